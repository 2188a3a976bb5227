"""The 12 shared modules written under ``modules/`` of every estate, four files each."""
from __future__ import annotations

from . import modules_aws as aws
from . import modules_azure as azure
from . import modules_gcp as gcp


def _module(main: str, variables: str, outputs: str, versions: str) -> dict[str, str]:
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": versions}


# Folder name -> files, in the order they are written.
MODULES: dict[str, dict[str, str]] = {
    "bucket": _module(aws.MOD_BUCKET_MAIN, aws.MOD_BUCKET_VARS, aws.MOD_BUCKET_OUTPUTS, aws.AWS_VERSIONS),
    "replicated-bucket": _module(aws.MOD_REPLICATED_MAIN, aws.MOD_REPLICATED_VARS, aws.MOD_REPLICATED_OUTPUTS,
                                 aws.AWS_VERSIONS_DR),
    "kms": _module(aws.MOD_KMS_MAIN, aws.MOD_KMS_VARS, aws.MOD_KMS_OUTPUTS, aws.AWS_VERSIONS),
    "data-platform": _module(aws.MOD_DATA_PLATFORM_MAIN, aws.MOD_DATA_PLATFORM_VARS, aws.MOD_DATA_PLATFORM_OUTPUTS,
                             aws.AWS_VERSIONS_DR),
    "logging": _module(aws.MOD_LOGGING_MAIN, aws.MOD_LOGGING_VARS, aws.MOD_LOGGING_OUTPUTS, aws.AWS_VERSIONS),
    "registry": _module(aws.MOD_REGISTRY_MAIN, aws.MOD_REGISTRY_VARS, aws.MOD_REGISTRY_OUTPUTS,
                        aws.AWS_VERSIONS_DR),
    "secrets": _module(aws.MOD_SECRETS_MAIN, aws.MOD_SECRETS_VARS, aws.MOD_SECRETS_OUTPUTS, aws.AWS_VERSIONS),
    "cluster": _module(aws.MOD_CLUSTER_MAIN, aws.MOD_CLUSTER_VARS, aws.MOD_CLUSTER_OUTPUTS, aws.AWS_VERSIONS),
    "gcs-bucket": _module(gcp.MOD_GCS_MAIN, gcp.MOD_GCS_VARS, gcp.MOD_GCS_OUTPUTS, gcp.GOOGLE_VERSIONS),
    "artifact-registry": _module(gcp.MOD_GAR_MAIN, gcp.MOD_GAR_VARS, gcp.MOD_GAR_OUTPUTS, gcp.GOOGLE_VERSIONS),
    "gcp-data-lake": _module(gcp.MOD_GCP_LAKE_MAIN, gcp.MOD_GCP_LAKE_VARS, gcp.MOD_GCP_LAKE_OUTPUTS,
                             gcp.GOOGLE_VERSIONS_DR),
    "azure-storage": _module(azure.MOD_AZ_STORAGE_MAIN, azure.MOD_AZ_STORAGE_VARS, azure.MOD_AZ_STORAGE_OUTPUTS,
                             azure.AZURE_VERSIONS),
}
MODULE_FILE_COUNT = sum(len(files) for files in MODULES.values())
