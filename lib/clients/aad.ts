/** The AKS AAD server application; its `.default` scope yields tokens the API server accepts (REFERENCE §4). */
export const aksAadServerScope = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";
