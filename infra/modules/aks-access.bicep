// The app identity's roles on one AKS cluster (deployed into the cluster's resource group):
// - Azure Kubernetes Service Cluster User Role: read the cluster and list its user kubeconfig (server and CA);
// - the Run Command role defined in main.bicep: start helm/kubectl next to the cluster and read the results;
// - Kubernetes access through Azure RBAC (clusters with Azure RBAC for Kubernetes authorization enabled):
//   cluster-admin = Azure Kubernetes Service RBAC Cluster Admin on the cluster, what `helm upgrade` of the whole
//   CluedIn chart needs; namespace-admin = Azure Kubernetes Service RBAC Admin on the CluedIn namespace only.
param clusterName string
param principalId string
param runCommandRoleName string
@allowed(['cluster-admin', 'namespace-admin', 'none'])
param kubernetesAccess string = 'cluster-admin'
param namespace string = 'cluedin'

var clusterUserRole = '4abbcc35-e782-43d8-92c5-2d3f1bd2253f'
var rbacClusterAdmin = 'b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b'
var rbacAdmin = '3498e952-d568-435e-9b2c-8d77e338d7f7'

resource cluster 'Microsoft.ContainerService/managedClusters@2025-10-01' existing = {
  name: clusterName
}

// Not an ARM resource type: Azure RBAC accepts `<cluster id>/namespaces/<name>` as a role assignment scope.
#disable-next-line BCP081
resource clusterNamespace 'Microsoft.ContainerService/managedClusters/namespaces@2025-10-01' existing = {
  parent: cluster
  name: namespace
}

resource clusterUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, clusterUserRole)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', clusterUserRole)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource runCommand 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(cluster.id, principalId, runCommandRoleName)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', runCommandRoleName)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource clusterAdmin 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (kubernetesAccess == 'cluster-admin') {
  name: guid(cluster.id, principalId, rbacClusterAdmin)
  scope: cluster
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbacClusterAdmin)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource namespaceAdmin 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (kubernetesAccess == 'namespace-admin') {
  name: guid(cluster.id, namespace, principalId, rbacAdmin)
  scope: clusterNamespace
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', rbacAdmin)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
