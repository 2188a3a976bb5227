"""The shared AWS modules every AWS root calls: bucket, replicated-bucket (a replica through
``providers = { aws = aws.dr }``), kms, data-platform (nests both), logging, registry, secrets
and cluster, plus the variable types the roots reuse."""
from __future__ import annotations

from ..text import T
from .hcl import join_blocks, module_versions, output, variable

AWS_VERSIONS = module_versions("aws", "hashicorp/aws", ">= 5.30")
AWS_VERSIONS_DR = module_versions("aws", "hashicorp/aws", ">= 5.30", dr=True)

TAGS_VAR = variable("tags", "map(string)", "Tags applied to every resource.", {})

LIFECYCLE_RULES_TYPE = T(
    """
    list(object({
      id              = string
      prefix          = optional(string, "")
      transition_days = optional(number)
      storage_class   = optional(string, "STANDARD_IA")
      expiration_days = optional(number)
    }))
    """
)

MOD_BUCKET_MAIN = T(
    """
    resource "aws_s3_bucket" "this" {
      bucket              = var.name
      force_destroy       = var.force_destroy
      object_lock_enabled = var.object_lock

      tags = merge(var.tags, {
        Name = var.name
      })
    }

    resource "aws_s3_bucket_ownership_controls" "this" {
      bucket = aws_s3_bucket.this.id

      rule {
        object_ownership = "BucketOwnerEnforced"
      }
    }

    resource "aws_s3_bucket_public_access_block" "this" {
      bucket                  = aws_s3_bucket.this.id
      block_public_acls       = true
      block_public_policy     = true
      ignore_public_acls      = true
      restrict_public_buckets = true
    }

    resource "aws_s3_bucket_versioning" "this" {
      bucket = aws_s3_bucket.this.id

      versioning_configuration {
        status = var.versioning ? "Enabled" : "Suspended"
      }
    }

    resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
      bucket = aws_s3_bucket.this.id

      rule {
        bucket_key_enabled = var.kms_key_arn != null

        apply_server_side_encryption_by_default {
          sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
          kms_master_key_id = var.kms_key_arn
        }
      }
    }

    resource "aws_s3_bucket_lifecycle_configuration" "this" {
      count  = length(var.lifecycle_rules) > 0 ? 1 : 0
      bucket = aws_s3_bucket.this.id

      dynamic "rule" {
        for_each = var.lifecycle_rules
        content {
          id     = rule.value.id
          status = "Enabled"

          filter {
            prefix = rule.value.prefix
          }

          dynamic "transition" {
            for_each = rule.value.transition_days == null ? [] : [rule.value.transition_days]
            content {
              days          = transition.value
              storage_class = rule.value.storage_class
            }
          }

          dynamic "expiration" {
            for_each = rule.value.expiration_days == null ? [] : [rule.value.expiration_days]
            content {
              days = expiration.value
            }
          }
        }
      }

      depends_on = [aws_s3_bucket_versioning.this]
    }

    resource "aws_s3_bucket_policy" "this" {
      bucket = aws_s3_bucket.this.id
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid       = "DenyInsecureTransport"
            Effect    = "Deny"
            Principal = "*"
            Action    = "s3:*"
            Resource = [
              aws_s3_bucket.this.arn,
              "${aws_s3_bucket.this.arn}/*",
            ]
            Condition = {
              Bool = {
                "aws:SecureTransport" = "false"
              }
            }
          },
        ]
      })
    }
    """
)

MOD_BUCKET_VARS = join_blocks(
    variable("name", "string", "Globally unique bucket name.",
             validation=("length(var.name) >= 3 && length(var.name) <= 63",
                     "Bucket names must be between 3 and 63 characters.")),
    variable("kms_key_arn", "string", "KMS key used for SSE-KMS; null selects SSE-S3.", None),
    variable("versioning", "bool", "Enable object versioning.", True),
    variable("force_destroy", "bool", "Allow destroying a non-empty bucket.", False),
    variable("object_lock", "bool", "Enable S3 Object Lock at creation.", False),
    variable("lifecycle_rules", LIFECYCLE_RULES_TYPE, "Lifecycle rules applied to the bucket.", []),
    TAGS_VAR,
)

MOD_BUCKET_OUTPUTS = join_blocks(
    output("id", "aws_s3_bucket.this.id", "Bucket name."),
    output("arn", "aws_s3_bucket.this.arn", "Bucket ARN."),
    output("region", "aws_s3_bucket.this.region", "Region the bucket lives in."),
    output("regional_domain_name", "aws_s3_bucket.this.bucket_regional_domain_name",
           "Regional endpoint of the bucket."),
)

MOD_REPLICATED_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "dr" {
      provider = aws.dr
    }

    locals {
      dr_name = coalesce(var.dr_name, "${var.name}-${data.aws_region.dr.name}")
    }

    module "primary" {
      source = "../bucket"

      name            = var.name
      kms_key_arn     = var.kms_key_arn
      versioning      = true
      lifecycle_rules = var.lifecycle_rules
      tags            = var.tags
    }

    module "replica" {
      source = "../bucket"
      count  = var.replicate ? 1 : 0

      providers = {
        aws = aws.dr
      }

      name        = local.dr_name
      kms_key_arn = var.dr_kms_key_arn
      versioning  = true
      tags = merge(var.tags, {
        ReplicaOf = var.name
      })
    }

    resource "aws_iam_role" "replication" {
      count = var.replicate ? 1 : 0
      name  = "${var.name}-replication"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "s3.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy" "replication" {
      count = var.replicate ? 1 : 0
      name  = "replication"
      role  = aws_iam_role.replication[0].id

      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect   = "Allow"
            Action   = ["s3:GetReplicationConfiguration", "s3:ListBucket"]
            Resource = [module.primary.arn]
          },
          {
            Effect   = "Allow"
            Action   = ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"]
            Resource = ["${module.primary.arn}/*"]
          },
          {
            Effect   = "Allow"
            Action   = ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"]
            Resource = ["${module.replica[0].arn}/*"]
          },
          {
            Effect   = "Allow"
            Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
            Resource = compact([var.kms_key_arn, var.dr_kms_key_arn])
          },
        ]
      })
    }

    resource "aws_s3_bucket_replication_configuration" "this" {
      count  = var.replicate ? 1 : 0
      role   = aws_iam_role.replication[0].arn
      bucket = module.primary.id

      rule {
        id     = "disaster-recovery"
        status = "Enabled"

        filter {}

        delete_marker_replication {
          status = "Enabled"
        }

        source_selection_criteria {
          sse_kms_encrypted_objects {
            status = "Enabled"
          }
        }

        destination {
          bucket        = module.replica[0].arn
          storage_class = var.replica_storage_class
          account       = data.aws_caller_identity.current.account_id

          encryption_configuration {
            replica_kms_key_id = var.dr_kms_key_arn
          }
        }
      }
    }
    """
)

MOD_REPLICATED_VARS = join_blocks(
    variable("name", "string", "Name of the primary bucket."),
    variable("dr_name", "string", "Name of the replica bucket; defaults to <name>-<dr region>.", None),
    variable("replicate", "bool", "Create a replica bucket in the DR region and replicate to it.", False),
    variable("kms_key_arn", "string", "KMS key for the primary bucket.", None),
    variable("dr_kms_key_arn", "string", "KMS key (in the DR region) for the replica bucket.", None),
    variable("replica_storage_class", "string", "Storage class of replicated objects.", "STANDARD_IA",
             validation=('contains(["STANDARD", "STANDARD_IA", "GLACIER_IR"], var.replica_storage_class)',
                     "Unsupported replica storage class.")),
    variable("lifecycle_rules", LIFECYCLE_RULES_TYPE, "Lifecycle rules for the primary bucket.", []),
    TAGS_VAR,
)

MOD_REPLICATED_OUTPUTS = join_blocks(
    output("id", "module.primary.id", "Primary bucket name."),
    output("arn", "module.primary.arn", "Primary bucket ARN."),
    output("replica_arn", "try(module.replica[0].arn, null)", "Replica bucket ARN, if any."),
    output("replica_region", "var.replicate ? data.aws_region.dr.name : null", "Region of the replica."),
)

MOD_KMS_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "current" {}

    locals {
      admin_principals = length(var.admin_arns) > 0 ? var.admin_arns : ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]
    }

    resource "aws_kms_key" "this" {
      description             = "${var.alias} (${data.aws_region.current.name})"
      deletion_window_in_days = var.deletion_window_in_days
      enable_key_rotation     = true
      multi_region            = var.multi_region

      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid    = "KeyAdministration"
            Effect = "Allow"
            Principal = {
              AWS = local.admin_principals
            }
            Action   = "kms:*"
            Resource = "*"
          },
          {
            Sid    = "AllowServiceUse"
            Effect = "Allow"
            Principal = {
              Service = var.service_principals
            }
            Action   = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
            Resource = "*"
            Condition = {
              StringEquals = {
                "aws:SourceAccount" = data.aws_caller_identity.current.account_id
              }
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_kms_alias" "this" {
      name          = "alias/${var.alias}"
      target_key_id = aws_kms_key.this.key_id
    }
    """
)

MOD_KMS_VARS = join_blocks(
    variable("alias", "string", "Alias (without the alias/ prefix)."),
    variable("multi_region", "bool", "Create a multi-Region primary key.", False),
    variable("deletion_window_in_days", "number", "Waiting period before deletion.", 30,
             validation=("var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30",
                     "Deletion window must be between 7 and 30 days.")),
    variable("admin_arns", "list(string)", "Principals allowed to administer the key.", []),
    variable("service_principals", "list(string)", "AWS services allowed to use the key.",
             ["s3.amazonaws.com", "logs.amazonaws.com", "secretsmanager.amazonaws.com"]),
    TAGS_VAR,
)

MOD_KMS_OUTPUTS = join_blocks(
    output("arn", "aws_kms_key.this.arn", "Key ARN."),
    output("key_id", "aws_kms_key.this.key_id", "Key id."),
    output("alias_arn", "aws_kms_alias.this.arn", "Alias ARN."),
)

MOD_DATA_PLATFORM_MAIN = T(
    """
    locals {
      buckets = {
        for name, cfg in var.buckets : name => merge(cfg, {
          full_name = "${var.name_prefix}-${name}"
        })
      }
      replicated = [for name, cfg in var.buckets : name if cfg.replicate && var.enable_dr]
    }

    module "kms" {
      source = "../kms"

      alias        = "${var.name_prefix}-data"
      multi_region = var.enable_dr
      admin_arns   = var.kms_admin_arns
      tags         = var.tags
    }

    module "dr_kms" {
      source = "../kms"
      count  = var.enable_dr ? 1 : 0

      providers = {
        aws = aws.dr
      }

      alias      = "${var.name_prefix}-data-dr"
      admin_arns = var.kms_admin_arns
      tags       = var.tags
    }

    module "buckets" {
      source   = "../replicated-bucket"
      for_each = local.buckets

      providers = {
        aws    = aws
        aws.dr = aws.dr
      }

      name           = each.value.full_name
      replicate      = var.enable_dr && each.value.replicate
      kms_key_arn    = module.kms.arn
      dr_kms_key_arn = var.enable_dr ? module.dr_kms[0].arn : null

      lifecycle_rules = [
        {
          id              = "default"
          transition_days = each.value.transition_days
          storage_class   = each.value.storage_class
          expiration_days = each.value.expiration_days
        },
      ]

      tags = merge(var.tags, {
        Dataset = each.key
      })
    }
    """
)

BUCKETS_TYPE = T(
    """
    map(object({
      replicate       = optional(bool, false)
      transition_days = optional(number, 30)
      storage_class   = optional(string, "STANDARD_IA")
      expiration_days = optional(number)
    }))
    """
)

MOD_DATA_PLATFORM_VARS = join_blocks(
    variable("name_prefix", "string", "Prefix for every name created by the module."),
    variable("buckets", BUCKETS_TYPE, "Datasets to create, keyed by dataset name.", {}),
    variable("enable_dr", "bool", "Replicate data to the DR provider's region.", False),
    variable("kms_admin_arns", "list(string)", "Key administrators.", []),
    TAGS_VAR,
)

MOD_DATA_PLATFORM_OUTPUTS = join_blocks(
    output("bucket_arns", "{ for name, b in module.buckets : name => b.arn }", "Primary bucket ARNs by dataset."),
    output("replica_arns", "{ for name, b in module.buckets : name => b.replica_arn if b.replica_arn != null }",
           "Replica bucket ARNs by dataset."),
    output("kms_key_arn", "module.kms.arn", "Primary data key."),
    output("dr_kms_key_arn", "try(module.dr_kms[0].arn, null)", "DR data key."),
    output("replicated_datasets", "local.replicated", "Datasets replicated to the DR region."),
)

MOD_LOGGING_MAIN = T(
    """
    resource "aws_cloudwatch_log_group" "this" {
      for_each = var.log_groups

      name              = each.value
      retention_in_days = var.retention_in_days
      kms_key_id        = var.kms_key_arn

      tags = var.tags
    }

    resource "aws_cloudwatch_log_metric_filter" "errors" {
      for_each = var.log_groups

      name           = "${replace(trimprefix(each.value, "/"), "/", "-")}-errors"
      log_group_name = aws_cloudwatch_log_group.this[each.key].name
      pattern        = "?ERROR ?Exception ?panic"

      metric_transformation {
        name      = "ErrorCount"
        namespace = "${var.name_prefix}/logs"
        value     = "1"
      }
    }

    module "archive" {
      source = "../bucket"
      count  = var.archive ? 1 : 0

      name        = "${var.name_prefix}-log-archive"
      kms_key_arn = var.kms_key_arn

      lifecycle_rules = [
        {
          id              = "archive"
          transition_days = 30
          storage_class   = "GLACIER_IR"
          expiration_days = var.archive_expiration_days
        },
      ]

      tags = var.tags
    }
    """
)

MOD_LOGGING_VARS = join_blocks(
    variable("name_prefix", "string", "Prefix for generated names."),
    variable("log_groups", "set(string)", "CloudWatch log group names.", []),
    variable("retention_in_days", "number", "Retention for every log group.", 30),
    variable("kms_key_arn", "string", "KMS key for log encryption.", None),
    variable("archive", "bool", "Create an S3 archive bucket for exported logs.", True),
    variable("archive_expiration_days", "number", "Days archived logs are kept.", 730),
    TAGS_VAR,
)

MOD_LOGGING_OUTPUTS = join_blocks(
    output("log_group_arns", "{ for k, g in aws_cloudwatch_log_group.this : k => g.arn }", "Log group ARNs."),
    output("archive_bucket_arn", "try(module.archive[0].arn, null)", "Archive bucket ARN."),
)

MOD_REGISTRY_MAIN = T(
    """
    data "aws_caller_identity" "current" {}

    data "aws_region" "dr" {
      provider = aws.dr
    }

    resource "aws_ecr_repository" "this" {
      name                 = var.name
      image_tag_mutability = var.image_tag_mutability
      force_delete         = false

      image_scanning_configuration {
        scan_on_push = var.scan_on_push
      }

      encryption_configuration {
        encryption_type = var.kms_key_arn == null ? "AES256" : "KMS"
        kms_key         = var.kms_key_arn
      }

      tags = var.tags
    }

    resource "aws_ecr_lifecycle_policy" "this" {
      repository = aws_ecr_repository.this.name

      policy = jsonencode({
        rules = [
          {
            rulePriority = 1
            description  = "Expire untagged images"
            selection = {
              tagStatus   = "untagged"
              countType   = "sinceImagePushed"
              countUnit   = "days"
              countNumber = 7
            }
            action = {
              type = "expire"
            }
          },
          {
            rulePriority = 2
            description  = "Keep the last ${var.keep_last} images"
            selection = {
              tagStatus   = "any"
              countType   = "imageCountMoreThan"
              countNumber = var.keep_last
            }
            action = {
              type = "expire"
            }
          },
        ]
      })
    }

    resource "aws_ecr_replication_configuration" "this" {
      count = var.replicate ? 1 : 0

      replication_configuration {
        rule {
          destination {
            region      = data.aws_region.dr.name
            registry_id = data.aws_caller_identity.current.account_id
          }

          repository_filter {
            filter      = var.name
            filter_type = "PREFIX_MATCH"
          }
        }
      }
    }
    """
)

MOD_REGISTRY_VARS = join_blocks(
    variable("name", "string", "Repository name."),
    variable("scan_on_push", "bool", "Scan images on push.", True),
    variable("image_tag_mutability", "string", "MUTABLE or IMMUTABLE.", "IMMUTABLE",
             validation=('contains(["MUTABLE", "IMMUTABLE"], var.image_tag_mutability)',
                     "image_tag_mutability must be MUTABLE or IMMUTABLE.")),
    variable("keep_last", "number", "Number of tagged images to keep.", 30),
    variable("replicate", "bool", "Replicate the repository to the DR region.", False),
    variable("kms_key_arn", "string", "KMS key for image encryption.", None),
    TAGS_VAR,
)

MOD_REGISTRY_OUTPUTS = join_blocks(
    output("repository_url", "aws_ecr_repository.this.repository_url", "Repository URL."),
    output("arn", "aws_ecr_repository.this.arn", "Repository ARN."),
    output("replica_region", "var.replicate ? data.aws_region.dr.name : null", "Replica region, if any."),
)

MOD_SECRETS_MAIN = T(
    """
    resource "aws_secretsmanager_secret" "this" {
      for_each = var.secrets

      name                    = "${var.name_prefix}/${each.key}"
      description             = each.value.description
      kms_key_id              = var.kms_key_arn
      recovery_window_in_days = each.value.recovery_window_in_days

      dynamic "replica" {
        for_each = each.value.replicate ? toset(var.replica_regions) : toset([])
        content {
          region     = replica.value
          kms_key_id = lookup(var.replica_kms_key_arns, replica.value, null)
        }
      }

      tags = merge(var.tags, {
        Secret = each.key
      })
    }

    resource "aws_secretsmanager_secret_policy" "this" {
      for_each = var.secrets

      secret_arn = aws_secretsmanager_secret.this[each.key].arn
      policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Sid       = "DenyOutsideOrg"
            Effect    = "Deny"
            Principal = "*"
            Action    = "secretsmanager:GetSecretValue"
            Resource  = "*"
            Condition = {
              StringNotEquals = {
                "aws:PrincipalOrgID" = var.organization_id
              }
            }
          },
        ]
      })
    }
    """
)

SECRETS_TYPE = T(
    """
    map(object({
      description             = string
      recovery_window_in_days = optional(number, 30)
      replicate               = optional(bool, false)
    }))
    """
)

MOD_SECRETS_VARS = join_blocks(
    variable("name_prefix", "string", "Path prefix for secret names."),
    variable("secrets", SECRETS_TYPE, "Secrets to create.", {}),
    variable("replica_regions", "list(string)", "Regions to replicate flagged secrets to.", []),
    variable("replica_kms_key_arns", "map(string)", "KMS key per replica region.", {}),
    variable("kms_key_arn", "string", "KMS key for the primary secrets.", None),
    variable("organization_id", "string", "AWS Organizations id allowed to read secrets.", "o-exampleorg1"),
    TAGS_VAR,
)

MOD_SECRETS_OUTPUTS = join_blocks(
    output("secret_arns", "{ for k, s in aws_secretsmanager_secret.this : k => s.arn }", "Secret ARNs."),
    output("replicated", "[for k, s in var.secrets : k if s.replicate && length(var.replica_regions) > 0]",
           "Secrets that are replicated."),
)

MOD_CLUSTER_MAIN = T(
    """
    locals {
      cluster_policies = toset([
        "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",
        "arn:aws:iam::aws:policy/AmazonEKSVPCResourceController",
      ])
      node_policies = toset([
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      ])
    }

    resource "aws_iam_role" "cluster" {
      name = "${var.name}-cluster"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "eks.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy_attachment" "cluster" {
      for_each = local.cluster_policies

      role       = aws_iam_role.cluster.name
      policy_arn = each.value
    }

    resource "aws_cloudwatch_log_group" "cluster" {
      name              = "/aws/eks/${var.name}/cluster"
      retention_in_days = var.log_retention_days
      kms_key_id        = var.kms_key_arn

      tags = var.tags
    }

    resource "aws_eks_cluster" "this" {
      name     = var.name
      role_arn = aws_iam_role.cluster.arn
      version  = var.kubernetes_version

      enabled_cluster_log_types = ["api", "audit", "authenticator"]

      vpc_config {
        subnet_ids              = var.subnet_ids
        endpoint_private_access = true
        endpoint_public_access  = var.public_endpoint
      }

      encryption_config {
        resources = ["secrets"]

        provider {
          key_arn = var.kms_key_arn
        }
      }

      tags = var.tags

      depends_on = [
        aws_iam_role_policy_attachment.cluster,
        aws_cloudwatch_log_group.cluster,
      ]
    }

    resource "aws_iam_role" "node" {
      name = "${var.name}-node"

      assume_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [
          {
            Effect = "Allow"
            Action = "sts:AssumeRole"
            Principal = {
              Service = "ec2.amazonaws.com"
            }
          },
        ]
      })

      tags = var.tags
    }

    resource "aws_iam_role_policy_attachment" "node" {
      for_each = local.node_policies

      role       = aws_iam_role.node.name
      policy_arn = each.value
    }

    resource "aws_eks_node_group" "this" {
      for_each = var.node_groups

      cluster_name    = aws_eks_cluster.this.name
      node_group_name = each.key
      node_role_arn   = aws_iam_role.node.arn
      subnet_ids      = var.subnet_ids
      instance_types  = each.value.instance_types
      capacity_type   = each.value.spot ? "SPOT" : "ON_DEMAND"

      scaling_config {
        min_size     = each.value.min_size
        max_size     = each.value.max_size
        desired_size = each.value.desired_size
      }

      update_config {
        max_unavailable = 1
      }

      labels = {
        "node-group" = each.key
      }

      tags = var.tags

      lifecycle {
        ignore_changes = [scaling_config[0].desired_size]
      }

      depends_on = [aws_iam_role_policy_attachment.node]
    }
    """
)

NODE_GROUPS_TYPE = T(
    """
    map(object({
      instance_types = list(string)
      min_size       = number
      max_size       = number
      desired_size   = number
      spot           = optional(bool, false)
    }))
    """
)

MOD_CLUSTER_VARS = join_blocks(
    variable("name", "string", "Cluster name."),
    variable("kubernetes_version", "string", "EKS control plane version.", "1.29"),
    variable("subnet_ids", "list(string)", "Private subnets for the control plane and nodes."),
    variable("public_endpoint", "bool", "Expose the API endpoint publicly.", False),
    variable("node_groups", NODE_GROUPS_TYPE, "Managed node groups.", {}),
    variable("kms_key_arn", "string", "KMS key for secrets encryption and logs."),
    variable("log_retention_days", "number", "Control-plane log retention.", 90),
    TAGS_VAR,
)

MOD_CLUSTER_OUTPUTS = join_blocks(
    output("name", "aws_eks_cluster.this.name", "Cluster name."),
    output("endpoint", "aws_eks_cluster.this.endpoint", "API server endpoint."),
    output("oidc_issuer", "aws_eks_cluster.this.identity[0].oidc[0].issuer", "OIDC issuer URL."),
    output("node_role_arn", "aws_iam_role.node.arn", "Node IAM role."),
)
