// One storage account, reached by identity only (shared keys off): AzureWebJobsStorage and the Durable Functions task
// hub (blobs, queues, tables), the Flex Consumption deployment package, and the audit records, written once each.
param name string
param location string
param tags object
param appPrincipalId string
@description('Optional reader of run history (tables) and audit records (blobs); empty: none.')
param readerPrincipalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param readerPrincipalType string = 'User'
@description('Days each audit record stays immutable; 0: no retention policy.')
param auditImmutabilityDays int = 0

var deploymentContainerName = 'deployment-package'
var auditContainerName = 'audit'
// Durable Functions on Azure Storage needs all three; Blob Data Owner because the host manages its lease blobs.
var appRoles = [
  'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
]
var readerRoles = [
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader
  '76199698-9eea-4c19-bc75-cec21354c6b6' // Storage Table Data Reader
]

resource account 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: account
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource auditContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobs
  name: auditContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Unlocked time-based retention: records cannot be changed or deleted for the period. Locking it is a separate,
// irreversible decision (az storage container immutability-policy lock) left to the operator.
resource auditRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-01-01' = if (auditImmutabilityDays > 0) {
  parent: auditContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: auditImmutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource appAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in appRoles: {
    name: guid(account.id, appPrincipalId, role)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: appPrincipalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource readerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in readerRoles: if (!empty(readerPrincipalId)) {
    name: guid(account.id, readerPrincipalId, role)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: readerPrincipalId
      principalType: readerPrincipalType
    }
  }
]

output name string = account.name
output deploymentContainerName string = deploymentContainer.name
output auditContainerUrl string = '${account.properties.primaryEndpoints.blob}${auditContainer.name}'
