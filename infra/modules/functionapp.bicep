// The Function App on the Flex Consumption plan, Node 22, running as the user-assigned identity: identity-based
// AzureWebJobsStorage (which the Durable Functions task hub uses too when the storage provider is Azure Storage), the
// Durable Task Scheduler connection when that is the provider, the deployment package pulled from blob storage by the
// same identity, Application Insights with Entra ID authentication, Key Vault references resolved by it.
param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param deploymentContainerName string
param appInsightsConnectionString string
@description('The app\'s own settings (lib/settings.ts); PUBLIC_BASE_URL is added here.')
param appSettings object
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40
param durableAlwaysReady int = 0
@description('Client id of an Entra ID app registration for App Service authentication; empty: none.')
param authClientId string = ''
@description('Durable Task Scheduler endpoint (https://<scheduler>.<region>.durabletask.io); empty: the Durable storage provider is Azure Storage.')
param durableTaskSchedulerEndpoint string = ''

// The connection setting host.json's storageProvider.connectionStringName names (infra/package.ts writes it), in the
// documented form for a user-assigned identity: Endpoint=<scheduler endpoint>;Authentication=ManagedIdentity;
// ClientID=<identity client id> (MicrosoftDocs/azure-docs, articles/azure-functions/durable/durable-task-scheduler/
// durable-task-scheduler-identity.md; Azure-Samples/Durable-Task-Scheduler, samples/durable-functions/dotnet/
// HelloCities/infra/app/durable-function.bicep). The task hub comes from host.json's hubName, not from this string.
var durableTaskSettings = empty(durableTaskSchedulerEndpoint) ? {} : {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${durableTaskSchedulerEndpoint};Authentication=ManagedIdentity;ClientID=${identityClientId}'
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  // azd finds the app to deploy by this tag (the service name in azure.yaml).
  tags: union(tags, { 'azd-service-name': 'app' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: durableAlwaysReady > 0 ? [{ name: 'durable', instanceCount: durableAlwaysReady }] : []
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: site
  name: 'appsettings'
  properties: union(appSettings, durableTaskSettings, {
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    PUBLIC_BASE_URL: 'https://${site.properties.defaultHostName}'
  })
}

// Deployments authenticate with Entra ID (azd, az); basic publishing credentials stay off (Flex has no FTP).
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

// Optional sign-in in front of every route (dashboard, API, approval pages): callers need an Entra ID token for the
// app registration on top of any function key; approvers' identities are then recorded with their decisions.
resource auth 'Microsoft.Web/sites/config@2025-03-01' = if (!empty(authClientId)) {
  parent: site
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'RedirectToLoginPage'
      redirectToProvider: 'azureactivedirectory'
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${authClientId}'
            authClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
