// cluedin-upgrade in Azure: a Durable Functions app on the Flex Consumption plan (Node 22) running as one
// user-assigned managed identity, with Durable Task Scheduler (or Azure Storage) keeping orchestration history,
// identity-only storage, Application Insights with Entra ID authentication, Communication Services e-mail, the approval
// signing key in Key Vault, an audit container, and that identity's roles on each AKS cluster it upgrades. `azd up`
// deploys it; docs/deploy.md explains every parameter.
// Validate without deploying: `az bicep build --file infra/main.bicep`, then `azd provision --preview`.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every regional resource; it must offer the Flex Consumption plan.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Resource group to create; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Object id of the person or pipeline deploying; gets Key Vault Secrets Officer (to rotate the signing key) and read access to run history and audit records. Empty: none.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Resource ids of the AKS clusters this app may upgrade (the clusters of config/clusters.yaml).')
param aksClusterResourceIds array = []

@allowed(['cluster-admin', 'namespace-admin', 'none'])
@description('Kubernetes access through Azure RBAC: cluster-admin (Azure Kubernetes Service RBAC Cluster Admin on the cluster), namespace-admin (Azure Kubernetes Service RBAC Admin on aksNamespace only) or none (grant it yourself).')
param aksKubernetesAccess string = 'cluster-admin'

@description('The CluedIn namespace, for aksKubernetesAccess=namespace-admin.')
param aksNamespace string = 'cluedin'

@minLength(3)
@maxLength(45)
@description('Durable Functions task hub (host.json reads it as %TASK_HUB_NAME%): letters and digits, starting with a letter. A new name starts an empty history.')
param taskHubName string = 'cluedinupgrade1'

// Durable Task Scheduler is the recommended provider (MicrosoftDocs/azure-docs, articles/azure-functions/durable/
// durable-functions-storage-providers.md; fully supported on Flex Consumption there). Azure Storage remains for
// subscriptions or regions without it. The package must carry the same choice: `npm run package` writes host.json's
// storageProvider from DURABLE_STORAGE_PROVIDER, the azd variable that feeds this parameter and that the
// DURABLE_STORAGE_PROVIDER output below writes back. History cannot move between providers; changing it starts empty.
@allowed(['DurableTaskScheduler', 'AzureStorage'])
@description('Durable Functions storage provider: DurableTaskScheduler (a managed scheduler and task hub, by identity) or AzureStorage (tables, queues and blobs of the storage account). Changing it starts an empty history.')
param durableStorageProvider string = 'DurableTaskScheduler'

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU: Consumption (pay per action, up to 500 actions/s, 30 days of history) or Dedicated (fixed monthly capacity units, 2,000 actions/s each, up to 90 days).')
param durableTaskSchedulerSku string = 'Consumption'

@minValue(1)
@maxValue(3)
@description('Capacity units for the Dedicated SKU (3 for high availability).')
param durableTaskSchedulerCapacity int = 1

@description('Where Communication Services keeps e-mail data at rest.')
@allowed([
  'Africa'
  'Asia Pacific'
  'Australia'
  'Brazil'
  'Canada'
  'Europe'
  'France'
  'Germany'
  'India'
  'Japan'
  'Korea'
  'Norway'
  'Switzerland'
  'UAE'
  'UK'
  'United States'
])
param mailDataLocation string = 'Europe'

@minValue(0)
@maxValue(146000)
@description('Days each audit record is kept immutable (time-based retention on the audit container); 0 for no policy.')
param auditImmutabilityDays int = 0

@description('Whether Key Vault purge protection is on: deleted vaults then stay recoverable for 90 days and their names stay taken.')
param keyVaultPurgeProtection bool = true

@description('true once the signing key exists: later deployments leave it alone instead of rotating it (azd sets it from the first deployment\'s output).')
param approvalSigningKeyExists bool = false

@description('Comma-separated principals allowed to plan, start and cancel upgrades on top of the function key (needs App Service authentication); empty: the key alone decides.')
param operatorPrincipals string = ''

@description('Client id of an Entra ID app registration for App Service authentication in front of the app (dashboard and API sign-in); empty: none.')
param authClientId string = ''

@minValue(0)
@description('Always-ready instances for the Durable Functions scale group; 1 avoids cold starts, 0 scales to zero.')
param durableAlwaysReady int = 0

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var appName = 'func-cluedin-upgrade-${resourceToken}'
var runCommandRoleName = guid(subscription().id, environmentName, 'cluedin-upgrade-run-command')
var useDurableTaskScheduler = durableStorageProvider == 'DurableTaskScheduler'
var clusterSubscriptions = union(
  [subscription().id],
  map(aksClusterResourceIds, id => '/subscriptions/${split(id, '/')[2]}')
)

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-cluedin-upgrade-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-cluedin-upgrade-${resourceToken}'
    appInsightsName: 'appi-cluedin-upgrade-${resourceToken}'
    location: location
    tags: tags
    publisherPrincipalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'stcu${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    readerPrincipalId: principalId
    readerPrincipalType: principalType
    auditImmutabilityDays: auditImmutabilityDays
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: 'kv-cu-${resourceToken}'
    location: location
    tags: tags
    appPrincipalId: identity.outputs.principalId
    officerPrincipalId: principalId
    officerPrincipalType: principalType
    purgeProtection: keyVaultPurgeProtection
    signingKeyExists: approvalSigningKeyExists
  }
}

module durableTask 'modules/durabletask.bicep' = if (useDurableTaskScheduler) {
  name: 'durabletask'
  scope: rg
  params: {
    name: 'dts-cu-${resourceToken}'
    location: location
    tags: tags
    taskHubName: taskHubName
    skuName: durableTaskSchedulerSku
    capacity: durableTaskSchedulerCapacity
    appPrincipalId: identity.outputs.principalId
    readerPrincipalId: principalId
    readerPrincipalType: principalType
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: rg
  params: {
    communicationName: 'acs-cluedin-upgrade-${resourceToken}'
    emailServiceName: 'ecs-cluedin-upgrade-${resourceToken}'
    dataLocation: mailDataLocation
    tags: tags
    senderPrincipalId: identity.outputs.principalId
  }
}

module app 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: appName
    planName: 'plan-cluedin-upgrade-${resourceToken}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    appInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    durableAlwaysReady: durableAlwaysReady
    authClientId: authClientId
    // Conditional module outputs are read behind the same condition (the documented pattern for conditional resources).
    durableTaskSchedulerEndpoint: useDurableTaskScheduler ? durableTask.outputs.endpoint : ''
    // The settings of lib/settings.ts that apply in Azure; PUBLIC_BASE_URL is added once the host name is known.
    appSettings: {
      TASK_HUB_NAME: taskHubName
      AZURE_CREDENTIAL: 'default'
      AZURE_CLIENT_ID: identity.outputs.clientId
      MAIL_DRIVER: 'acs'
      ACS_ENDPOINT: communication.outputs.endpoint
      MAIL_SENDER: communication.outputs.senderAddress
      APPROVAL_SIGNING_KEY: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.signingKeySecretUri})'
      AUDIT_SINK: 'blob'
      AUDIT_BLOB_URL: storage.outputs.auditContainerUrl
      OPERATOR_PRINCIPALS: operatorPrincipals
      // The app reads caller identity only behind App Service authentication, and serves the dashboard only with it.
      APP_SERVICE_AUTH: empty(authClientId) ? 'off' : 'required'
      DASHBOARD: empty(authClientId) ? 'off' : 'on'
    }
  }
}

// Run Command is how Helm runs next to a cluster (private ones too); no built-in role grants just these two actions.
resource runCommandRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (!empty(aksClusterResourceIds)) {
  name: runCommandRoleName
  properties: {
    roleName: 'CluedIn Upgrade AKS Run Command (${environmentName})'
    description: 'Start AKS Run Command and read its results: how cluedin-upgrade runs helm next to a cluster.'
    type: 'CustomRole'
    permissions: [
      {
        actions: [
          'Microsoft.ContainerService/managedClusters/runcommand/action'
          'Microsoft.ContainerService/managedClusters/commandResults/read'
        ]
        notActions: []
      }
    ]
    assignableScopes: clusterSubscriptions
  }
}

module aksAccess 'modules/aks-access.bicep' = [
  for (clusterId, i) in aksClusterResourceIds: {
    name: 'aks-access-${i}-${uniqueString(clusterId)}'
    scope: resourceGroup(split(clusterId, '/')[2], split(clusterId, '/')[4])
    dependsOn: [runCommandRole]
    params: {
      clusterName: last(split(clusterId, '/'))
      principalId: identity.outputs.principalId
      runCommandRoleName: runCommandRoleName
      kubernetesAccess: aksKubernetesAccess
      namespace: aksNamespace
    }
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output APP_URL string = app.outputs.url
output DASHBOARD_URL string = empty(authClientId) ? '' : '${app.outputs.url}/api/dashboard'
output TASK_HUB_NAME string = taskHubName
output DURABLE_STORAGE_PROVIDER string = durableStorageProvider
output DURABLE_TASK_SCHEDULER_ENDPOINT string = useDurableTaskScheduler ? durableTask.outputs.endpoint : ''
output DURABLE_TASK_DASHBOARD_URL string = useDurableTaskScheduler ? durableTask.outputs.dashboardUrl : ''
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AUDIT_BLOB_URL string = storage.outputs.auditContainerUrl
output APP_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output APPROVAL_SIGNING_KEY_EXISTS bool = true
