// The app's one identity: storage, Application Insights, Key Vault, Communication Services and the AKS clusters all
// trust it, and nothing else needs a secret.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
