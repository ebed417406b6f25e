// Durable Task Scheduler, the default Durable Functions storage provider (main.bicep `durableStorageProvider`): one
// scheduler, the app's task hub in it, Durable Task Data Contributor on that task hub for the app's identity and,
// optionally, Durable Task Data Reader for a person or pipeline that browses run history on the scheduler's dashboard.
// Resource schema: API version 2025-11-01, the first stable one (Azure/azure-rest-api-specs, specification/
// durabletask/resource-manager/Microsoft.DurableTask/DurableTask/stable/2025-11-01/durabletask.json); the same shape
// as Azure-Samples/Durable-Task-Scheduler, samples/durable-functions/dotnet/HelloCities/infra/app/dts.bicep.

@minLength(3)
@maxLength(64)
@description('Scheduler name: letters, digits and hyphens (the REST spec\'s pattern ^[a-zA-Z0-9-]{3,64}$).')
param name string
param location string
param tags object
@minLength(3)
@maxLength(64)
@description('Task hub name; host.json\'s hubName (%TASK_HUB_NAME%) must name the same hub.')
param taskHubName string
@allowed(['Consumption', 'Dedicated'])
@description('Consumption: pay per action, up to 500 actions/s, history kept up to 30 days. Dedicated: capacity units at a fixed monthly price, 2,000 actions/s each, history up to 90 days (MicrosoftDocs/azure-docs, articles/azure-functions/durable/durable-task-scheduler/durable-task-scheduler-billing.md).')
param skuName string = 'Consumption'
@minValue(1)
@maxValue(3)
@description('Capacity units of the Dedicated SKU (three for high availability); ignored by Consumption.')
param capacity int = 1
@description('Principal id of the app\'s user-assigned identity.')
param appPrincipalId string
@description('Optional reader of run history on the dashboard; empty: none.')
param readerPrincipalId string = ''
@allowed(['User', 'ServicePrincipal', 'Group'])
param readerPrincipalType string = 'User'

// Built-in role ids (MicrosoftDocs/azure-docs, articles/role-based-access-control/built-in-roles.md, "Durable Task").
// Contributor is what Durable Functions apps need (articles/azure-functions/durable/durable-task-scheduler/
// durable-task-scheduler-identity.md); Reader reads orchestrations and entities, and manages nothing.
var durableTaskDataContributor = '0ad04412-c4d5-4796-b79c-f76d14c8d402'
var durableTaskDataReader = 'd6a5505f-6ebb-45a4-896e-ac8274cfc0ac'

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    // Required by the schema. The app reaches the scheduler from Flex Consumption's shared outbound addresses, so every
    // address is allowed and access is decided by Entra ID roles alone, as in the documented CLI example
    // (`--ip-allowlist "[0.0.0.0/0]"`, articles/azure-functions/durable/durable-task-scheduler/
    // develop-with-durable-task-scheduler.md) and the samples.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
    sku: skuName == 'Dedicated' ? {
      name: skuName
      capacity: capacity
    } : {
      name: skuName
    }
  }
}

resource taskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = {
  parent: scheduler
  name: taskHubName
}

// Scoped to the task hub, not the scheduler: the identity reaches this app's history only (both scopes are documented).
resource appAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(taskHub.id, appPrincipalId, durableTaskDataContributor)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource readerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(readerPrincipalId)) {
  name: guid(taskHub.id, readerPrincipalId, durableTaskDataReader)
  scope: taskHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataReader)
    principalId: readerPrincipalId
    principalType: readerPrincipalType
  }
}

output name string = scheduler.name
// https://<scheduler>.<region>.durabletask.io: the Endpoint of the app's connection setting.
output endpoint string = scheduler.properties.endpoint
output taskHubName string = taskHub.name
// The task hub's page on the Durable Task Scheduler dashboard (read-only property of API 2025-11-01).
output dashboardUrl string = taskHub.properties.dashboardUrl
