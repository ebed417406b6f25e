// Key Vault (RBAC authorization) holding the key approval links are signed with. The key is generated here, at the
// first deployment, so nobody ever handles it; later deployments leave it alone (signingKeyExists) so links already
// mailed keep working. The app reads it through a Key Vault reference with Key Vault Secrets User.
param name string
param location string
param tags object
param appPrincipalId string
@description('Optional person or pipeline allowed to set new versions of the key (rotation); empty: none.')
param officerPrincipalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param officerPrincipalType string = 'User'
param purgeProtection bool = true
param signingKeyExists bool = false

@secure()
@description('Never pass this: its default, evaluated once per deployment, is the new key (about 240 random bits).')
param signingKeySeed string = '${newGuid()}${newGuid()}'

var secretName = 'approval-signing-key'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficer = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource signingKey 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = if (!signingKeyExists) {
  parent: vault
  name: secretName
  properties: {
    value: signingKeySeed
    contentType: 'text/plain'
    attributes: {
      enabled: true
    }
  }
}

resource appReads 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, appPrincipalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource officerRotates 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(officerPrincipalId)) {
  name: guid(vault.id, officerPrincipalId, keyVaultSecretsOfficer)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficer)
    principalId: officerPrincipalId
    principalType: officerPrincipalType
  }
}

output name string = vault.name
// Versionless, with the trailing slash: App Service then resolves the newest version of the key.
output signingKeySecretUri string = '${vault.properties.vaultUri}secrets/${secretName}/'
