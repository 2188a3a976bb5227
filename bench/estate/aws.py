"""AWS roots: versions/providers (default + ``aws.dr`` alias)/variables/tfvars/locals/main/
outputs, and the per-service files (s3, queues, dynamodb, rds, iam, logs, kms, backup, ecr)."""
from __future__ import annotations

from ..text import T
from .hcl import hcl_value, join_blocks, output, root_versions, tfvars, variable
from .modules_aws import BUCKETS_TYPE, SECRETS_TYPE
from .roots import Root, ServiceGenerator, aws_account_id, component, hcl_ident, sample, service_file, service_names
from .vocab import AWS_REGION_PAIRS, AWS_SERVICE_KINDS, BASE_ENVS, COST_CENTERS, DATASETS, EXTRA_ENVS, SERVICES


def aws_root_files(r: Root, n_service: int) -> dict[str, str]:
    rng = r.rng
    r.primary, r.dr = rng.choice(AWS_REGION_PAIRS)
    r.account_id = aws_account_id(rng)
    # Most stacks keep DR in the same account; some use a dedicated DR account.
    r.dr_account_id = r.account_id if rng.random() < 0.8 else aws_account_id(rng)
    r.enable_dr = r.is_prod or rng.random() < 0.3
    team, env, m = r.team, r.env, r.modules_rel
    datasets = sample(rng, DATASETS, rng.randint(3, 7))
    repos = sample(rng, SERVICES, rng.randint(2, 5))
    secrets = sample(rng, ["db-password", "api-key", "stripe-token", "jwt-signing-key",
                           "smtp-credentials", "oauth-client", "webhook-secret", "sentry-dsn"],
                     rng.randint(2, 5))
    services = sample(rng, SERVICES, rng.randint(3, 6))
    cluster_enabled = rng.random() < 0.6

    files: dict[str, str] = {}
    files["versions.tf"] = root_versions("aws", "hashicorp/aws", "~> 5.40", "s3", {
        "bucket": f"acme-terraform-state-{r.account_id}",
        "key": f"{team}/{env}/terraform.tfstate",
        "region": r.primary,
        "dynamodb_table": "terraform-locks",
        "encrypt": True,
    })

    dr_account_expr = "var.account_id" if r.dr_account_id == r.account_id else "var.dr_account_id"
    files["providers.tf"] = T(
        """
        provider "aws" {
          region              = var.region
          allowed_account_ids = [var.account_id]

          assume_role {
            role_arn     = "arn:aws:iam::${var.account_id}:role/${local.deploy_role}"
            session_name = "terraform-${var.team}-${var.environment}"
            external_id  = var.assume_role_external_id
          }

          default_tags {
            tags = local.common_tags
          }
        }

        # Disaster-recovery region. Used only by resources and modules that opt in.
        provider "aws" {
          alias               = "dr"
          region              = var.dr_region
          allowed_account_ids = [__DR_ACCOUNT__]

          assume_role {
            role_arn     = "arn:aws:iam::${__DR_ACCOUNT__}:role/${local.deploy_role}"
            session_name = "terraform-${var.team}-${var.environment}-dr"
            external_id  = var.assume_role_external_id
          }

          default_tags {
            tags = merge(local.common_tags, {
              DisasterRecovery = "true"
            })
          }
        }
        """,
        dr_account=dr_account_expr,
    )

    var_blocks = [
        variable("region", "string", "Primary AWS region of this stack.", r.primary,
                 validation=('can(regex("^[a-z]{2}-[a-z]+-[0-9]$", var.region))',
                         "The region must look like eu-west-1.")),
        variable("dr_region", "string", "AWS region used for disaster recovery copies.", r.dr),
        variable("account_id", "string", "AWS account this stack deploys into.",
                 validation=('can(regex("^[0-9]{12}$", var.account_id))',
                         "account_id must be a 12-digit AWS account id.")),
    ]
    if r.dr_account_id != r.account_id:
        var_blocks.append(variable("dr_account_id", "string", "AWS account that holds the DR copies."))
    var_blocks += [
        variable("assume_role_external_id", "string", "External id for the deploy role.", None, sensitive=True),
        variable("team", "string", "Owning team.", team),
        variable("environment", "string", "Deployment environment.", env,
                 validation=(f"contains({hcl_value(BASE_ENVS + EXTRA_ENVS)}, var.environment)",
                             "Unknown environment.")),
        variable("cost_center", "string", "Cost center for billing tags.", "CC-0000"),
        variable("enable_dr", "bool", "Replicate data to the DR region.", False),
        variable("tags", "map(string)", "Extra tags merged into the default tags.", {}),
        variable("buckets", BUCKETS_TYPE, "Datasets stored by this stack, keyed by name.", {}),
        variable("repositories", T(
            """
            map(object({
              scan_on_push         = optional(bool, true)
              image_tag_mutability = optional(string, "IMMUTABLE")
              keep_last            = optional(number, 30)
              replicate            = optional(bool, false)
            }))
            """), "ECR repositories, keyed by service.", {}),
        variable("secrets", SECRETS_TYPE, "Secrets Manager secrets, keyed by name.", {}),
        variable("services", "list(string)", "Services that log to CloudWatch.", []),
        variable("log_retention_days", "number", "Default log retention.", 30),
        variable("cluster", T(
            """
            object({
              enabled     = bool
              version     = optional(string, "1.29")
              public      = optional(bool, false)
              node_groups = optional(map(object({
                instance_types = list(string)
                min_size       = number
                max_size       = number
                desired_size   = optional(number)
                spot           = optional(bool, false)
              })), {})
            })
            """), "EKS cluster settings.", {"enabled": False}),
        variable("vpc_id", "string", "VPC the stack runs in."),
        variable("subnet_ids", "list(string)", "Private subnets.", [],
                 validation=("length(var.subnet_ids) == 0 || length(var.subnet_ids) >= 2",
                         "Provide at least two subnets.")),
        variable("kms_admin_arns", "list(string)", "KMS key administrators.", []),
    ]
    files["variables.tf"] = join_blocks(*var_blocks)

    # tfvars
    tfv: dict[str, object] = {
        "region": r.primary,
        "dr_region": r.dr,
        "account_id": r.account_id,
    }
    if r.dr_account_id != r.account_id:
        tfv["dr_account_id"] = r.dr_account_id
    tfv.update({
        "team": team,
        "environment": env,
        "cost_center": rng.choice(COST_CENTERS),
        "enable_dr": r.enable_dr,
        "vpc_id": f"vpc-{rng.getrandbits(64):016x}"[:21],
        "subnet_ids": [f"subnet-{rng.getrandbits(64):016x}"[:24] for _ in range(3)],
        "log_retention_days": rng.choice([14, 30, 90, 365]),
        "services": services,
        "kms_admin_arns": [f"arn:aws:iam::{r.account_id}:role/platform-admin"],
    })
    buckets: dict[str, object] = {}
    for ds in datasets:
        cfg: dict[str, object] = {}
        if rng.random() < 0.5:
            cfg["replicate"] = True
        if rng.random() < 0.4:
            cfg["expiration_days"] = rng.choice([90, 365, 730, 2555])
        if rng.random() < 0.3:
            cfg["storage_class"] = rng.choice(["GLACIER_IR", "INTELLIGENT_TIERING"])
            cfg["transition_days"] = rng.choice([30, 60, 90])
        buckets[ds] = cfg
    tfv["buckets"] = buckets
    tfv["repositories"] = {
        s: ({"replicate": True} if rng.random() < 0.4 else {}) | ({"keep_last": 50} if rng.random() < 0.3 else {})
        for s in repos
    }
    tfv["secrets"] = {
        s: {"description": f"{s.replace('-', ' ').capitalize()} for {team}", "replicate": rng.random() < 0.5}
        for s in secrets
    }
    if cluster_enabled:
        ngs = {}
        for ng in sample(rng, ["general", "memory", "batch", "system", "gpu"], rng.randint(1, 3)):
            lo = rng.randint(1, 3)
            ngs[ng] = {
                "instance_types": rng.choice([["m6i.large", "m6a.large"], ["r6i.xlarge"], ["c6i.2xlarge"],
                                              ["g5.xlarge"], ["t3.large"]]),
                "min_size": lo,
                "max_size": lo + rng.randint(2, 10),
            } | ({"spot": True} if rng.random() < 0.3 else {})
        tfv["cluster"] = {"enabled": True, "version": rng.choice(["1.28", "1.29", "1.30"]), "node_groups": ngs}
    else:
        tfv["cluster"] = {"enabled": False}
    tfv["tags"] = {"Owner": f"{team}@example.com",
                   "DataClassification": rng.choice(["internal", "confidential", "restricted"])}
    files["terraform.tfvars"] = tfvars(tfv)

    files["locals.tf"] = T(
        """
        locals {
          name_prefix = "${var.team}-${var.environment}"
          is_prod     = var.environment == "prod"
          deploy_role = local.is_prod ? "terraform-deploy" : "terraform-deploy-nonprod"

          retention_by_env = {
            dev     = 7
            staging = 30
            prod    = 365
          }
          log_retention_days = lookup(local.retention_by_env, var.environment, var.log_retention_days)

          common_tags = merge(var.tags, {
            Team        = var.team
            Environment = var.environment
            CostCenter  = var.cost_center
            ManagedBy   = "terraform"
            Stack       = "__TEAM__/__ENV__"
          })

          bucket_names       = { for name, cfg in var.buckets : name => "${local.name_prefix}-${name}-${var.account_id}" }
          replicated_buckets = { for name, cfg in var.buckets : name => cfg if cfg.replicate && var.enable_dr }
          repository_names   = [for name in keys(var.repositories) : "${var.team}/${name}"]
          log_groups         = toset([for svc in var.services : "/${var.team}/${var.environment}/${svc}"])

          secret_replica_regions = var.enable_dr ? [var.dr_region] : []
          dr_summary             = "%{if var.enable_dr}replicating ${length(local.replicated_buckets)} datasets to ${var.dr_region}%{else}no DR%{endif}"

          node_groups = {
            for name, ng in var.cluster.node_groups : name => merge(ng, {
              desired_size = coalesce(ng.desired_size, ng.min_size)
            })
          }
        }
        """,
        team=team, env=env,
    )

    files["main.tf"] = T(
        """
        data "aws_caller_identity" "current" {}

        module "data_platform" {
          source = "__M__/data-platform"

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name_prefix    = local.name_prefix
          buckets        = var.buckets
          enable_dr      = var.enable_dr
          kms_admin_arns = var.kms_admin_arns
          tags           = local.common_tags
        }

        module "logging" {
          source = "__M__/logging"

          name_prefix       = local.name_prefix
          log_groups        = local.log_groups
          retention_in_days = local.log_retention_days
          kms_key_arn       = module.data_platform.kms_key_arn
          archive           = local.is_prod
          tags              = local.common_tags
        }

        module "registry" {
          source   = "__M__/registry"
          for_each = var.repositories

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name                 = "${var.team}/${each.key}"
          scan_on_push         = each.value.scan_on_push
          image_tag_mutability = each.value.image_tag_mutability
          keep_last            = each.value.keep_last
          replicate            = var.enable_dr && each.value.replicate
          kms_key_arn          = module.data_platform.kms_key_arn
          tags                 = local.common_tags
        }

        module "secrets" {
          source = "__M__/secrets"

          name_prefix     = "${var.team}/${var.environment}"
          secrets         = var.secrets
          replica_regions = local.secret_replica_regions
          kms_key_arn     = module.data_platform.kms_key_arn
          tags            = local.common_tags

          replica_kms_key_arns = var.enable_dr ? {
            (var.dr_region) = module.data_platform.dr_kms_key_arn
          } : {}
        }

        module "cluster" {
          source = "__M__/cluster"
          count  = var.cluster.enabled ? 1 : 0

          name               = "${local.name_prefix}-eks"
          kubernetes_version = var.cluster.version
          public_endpoint    = var.cluster.public
          subnet_ids         = var.subnet_ids
          node_groups        = local.node_groups
          kms_key_arn        = module.data_platform.kms_key_arn
          log_retention_days = local.log_retention_days
          tags               = local.common_tags
        }

        resource "aws_iam_role" "ci_deploy" {
          name = "${local.name_prefix}-ci-deploy"

          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect = "Allow"
                Action = "sts:AssumeRoleWithWebIdentity"
                Principal = {
                  Federated = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
                }
                Condition = {
                  StringLike = {
                    "token.actions.githubusercontent.com:sub" = "repo:acme/${var.team}-*:ref:refs/heads/main"
                  }
                }
              },
            ]
          })
        }

        resource "aws_iam_role_policy" "ci_deploy_ecr" {
          name = "ecr-push"
          role = aws_iam_role.ci_deploy.id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect   = "Allow"
                Action   = ["ecr:BatchCheckLayerAvailability", "ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload"]
                Resource = [for repo in module.registry : repo.arn]
              },
              {
                Effect   = "Allow"
                Action   = "ecr:GetAuthorizationToken"
                Resource = "*"
              },
            ]
          })
        }
        """,
        m=m,
    )

    files["outputs.tf"] = join_blocks(
        output("bucket_arns", "module.data_platform.bucket_arns", "Primary bucket ARNs by dataset."),
        output("replica_bucket_arns", "module.data_platform.replica_arns", "DR replica ARNs by dataset."),
        output("repository_urls", "{ for name, repo in module.registry : name => repo.repository_url }",
               "ECR repository URLs by service."),
        output("secret_arns", "module.secrets.secret_arns", "Secret ARNs.", sensitive=True),
        output("cluster_endpoint", "try(module.cluster[0].endpoint, null)", "EKS API endpoint, if a cluster exists."),
        output("log_group_arns", "module.logging.log_group_arns", "Service log groups."),
        output("dr_summary", "local.dr_summary", "Human-readable DR status."),
        output("ci_deploy_role_arn", "aws_iam_role.ci_deploy.arn", "Role assumed by CI."),
    )

    for kind, name in service_names(rng, AWS_SERVICE_KINDS, n_service):
        files[f"{kind}-{name}.tf"] = service_file(r, AWS_SERVICE_GENERATORS, kind, name)
    return files



def aws_s3_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    replicate = r.enable_dr and rng.random() < 0.6
    parts = [T(
        """
        # Direct (non-module) bucket for the __NAME__ dataset.
        resource "aws_s3_bucket" "__ID__" {
          bucket = "${local.name_prefix}-__NAME__-${var.account_id}"

          tags = merge(local.common_tags, {
            Dataset = "__NAME__"
            Tier    = "__TIER__"
          })
        }

        resource "aws_s3_bucket_versioning" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          versioning_configuration {
            status = "Enabled"
          }
        }

        resource "aws_s3_bucket_server_side_encryption_configuration" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          rule {
            bucket_key_enabled = true

            apply_server_side_encryption_by_default {
              sse_algorithm     = "aws:kms"
              kms_master_key_id = module.data_platform.kms_key_arn
            }
          }
        }

        resource "aws_s3_bucket_public_access_block" "__ID__" {
          bucket                  = aws_s3_bucket.__ID__.id
          block_public_acls       = true
          block_public_policy     = true
          ignore_public_acls      = true
          restrict_public_buckets = true
        }

        resource "aws_s3_bucket_lifecycle_configuration" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          rule {
            id     = "tiering"
            status = "Enabled"

            filter {
              prefix = "__PREFIX__/"
            }

            transition {
              days          = __T_DAYS__
              storage_class = "__CLASS__"
            }

            noncurrent_version_expiration {
              noncurrent_days = __NC_DAYS__
            }
          }

          rule {
            id     = "abort-multipart"
            status = "Enabled"

            filter {}

            abort_incomplete_multipart_upload {
              days_after_initiation = 7
            }
          }
        }

        resource "aws_s3_bucket_policy" "__ID__" {
          bucket = aws_s3_bucket.__ID__.id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "DenyInsecureTransport"
                Effect    = "Deny"
                Principal = "*"
                Action    = "s3:*"
                Resource  = [aws_s3_bucket.__ID__.arn, "${aws_s3_bucket.__ID__.arn}/*"]
                Condition = {
                  Bool = {
                    "aws:SecureTransport" = "false"
                  }
                }
              },
              {
                Sid       = "DenyOutsideAccount"
                Effect    = "Deny"
                Principal = "*"
                Action    = ["s3:GetObject", "s3:PutObject"]
                Resource  = "${aws_s3_bucket.__ID__.arn}/*"
                Condition = {
                  StringNotEquals = {
                    "aws:PrincipalAccount" = var.account_id
                  }
                }
              },
            ]
          })
        }
        """,
        name=name, id=ident, tier=rng.choice(["hot", "warm", "cold"]),
        prefix=rng.choice(["data", "incoming", "exports", "year=2024"]),
        t_days=rng.choice([30, 60, 90]), nc_days=rng.choice([30, 90, 180]),
        **{"class": rng.choice(["STANDARD_IA", "GLACIER_IR", "INTELLIGENT_TIERING"])},
    )]
    if replicate:
        parts.append(T(
            """
            resource "aws_s3_bucket" "__ID___replica" {
              provider = aws.dr
              bucket   = "${local.name_prefix}-__NAME__-${var.dr_region}"

              tags = merge(local.common_tags, {
                Dataset   = "__NAME__"
                ReplicaOf = aws_s3_bucket.__ID__.bucket
              })
            }

            resource "aws_s3_bucket_versioning" "__ID___replica" {
              provider = aws.dr
              bucket   = aws_s3_bucket.__ID___replica.id

              versioning_configuration {
                status = "Enabled"
              }
            }

            resource "aws_iam_role" "__ID___replication" {
              name = "${local.name_prefix}-__NAME__-replication"

              assume_role_policy = jsonencode({
                Version = "2012-10-17"
                Statement = [
                  {
                    Effect    = "Allow"
                    Action    = "sts:AssumeRole"
                    Principal = { Service = "s3.amazonaws.com" }
                  },
                ]
              })
            }

            resource "aws_s3_bucket_replication_configuration" "__ID__" {
              role   = aws_iam_role.__ID___replication.arn
              bucket = aws_s3_bucket.__ID__.id

              rule {
                id     = "to-dr"
                status = "Enabled"

                filter {
                  prefix = ""
                }

                delete_marker_replication {
                  status = "Disabled"
                }

                destination {
                  bucket        = aws_s3_bucket.__ID___replica.arn
                  storage_class = "STANDARD_IA"
                }
              }

              depends_on = [aws_s3_bucket_versioning.__ID__]
            }
            """,
            name=name, id=ident,
        ))
    return join_blocks(*parts)


def aws_queues_file(r: Root, name: str) -> str:
    rng = r.rng
    queues = sample(rng, ["created", "updated", "deleted", "retry", "priority", "bulk", "audit"], rng.randint(2, 4))
    return component(
        """
        locals {
          __ID___queues = toset(__QUEUES__)
        }

        resource "aws_kms_key" "__ID___messaging" {
          description             = "${local.name_prefix} __NAME__ messaging"
          deletion_window_in_days = 14
          enable_key_rotation     = true
        }

        resource "aws_sns_topic" "__ID__" {
          name              = "${local.name_prefix}-__NAME__"
          kms_master_key_id = aws_kms_key.__ID___messaging.arn

          tags = local.common_tags
        }

        resource "aws_sqs_queue" "__ID___dlq" {
          for_each = local.__ID___queues

          name                      = "${local.name_prefix}-__NAME__-${each.key}-dlq"
          message_retention_seconds = 1209600
          kms_master_key_id         = aws_kms_key.__ID___messaging.arn

          tags = local.common_tags
        }

        resource "aws_sqs_queue" "__ID__" {
          for_each = local.__ID___queues

          name                       = "${local.name_prefix}-__NAME__-${each.key}"
          visibility_timeout_seconds = __VIS__
          message_retention_seconds  = 345600
          kms_master_key_id          = aws_kms_key.__ID___messaging.arn

          redrive_policy = jsonencode({
            deadLetterTargetArn = aws_sqs_queue.__ID___dlq[each.key].arn
            maxReceiveCount     = __MAX_RECEIVE__
          })

          tags = merge(local.common_tags, {
            Queue = each.key
          })
        }

        resource "aws_sns_topic_subscription" "__ID__" {
          for_each = local.__ID___queues

          topic_arn            = aws_sns_topic.__ID__.arn
          protocol             = "sqs"
          endpoint             = aws_sqs_queue.__ID__[each.key].arn
          raw_message_delivery = true

          filter_policy = jsonencode({
            event_type = [each.key]
          })
        }

        resource "aws_sqs_queue_policy" "__ID__" {
          for_each = local.__ID___queues

          queue_url = aws_sqs_queue.__ID__[each.key].id

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "AllowTopic"
                Effect    = "Allow"
                Principal = { Service = "sns.amazonaws.com" }
                Action    = "sqs:SendMessage"
                Resource  = aws_sqs_queue.__ID__[each.key].arn
                Condition = {
                  ArnEquals = {
                    "aws:SourceArn" = aws_sns_topic.__ID__.arn
                  }
                }
              },
            ]
          })
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___dlq_depth" {
          for_each = local.__ID___queues

          alarm_name          = "${local.name_prefix}-__NAME__-${each.key}-dlq-not-empty"
          comparison_operator = "GreaterThanThreshold"
          evaluation_periods  = 1
          metric_name         = "ApproximateNumberOfMessagesVisible"
          namespace           = "AWS/SQS"
          period              = 300
          statistic           = "Maximum"
          threshold           = 0
          treat_missing_data  = "notBreaching"

          dimensions = {
            QueueName = aws_sqs_queue.__ID___dlq[each.key].name
          }
        }
        """,
        name=name, queues=hcl_value(queues), vis=rng.choice([30, 60, 300, 900]),
        max_receive=rng.choice([3, 5, 10]),
    )


def aws_dynamodb_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "aws_dynamodb_table" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          billing_mode = "PAY_PER_REQUEST"
          hash_key     = "pk"
          range_key    = "sk"

          stream_enabled   = var.enable_dr
          stream_view_type = var.enable_dr ? "NEW_AND_OLD_IMAGES" : null

          attribute {
            name = "pk"
            type = "S"
          }

          attribute {
            name = "sk"
            type = "S"
          }

          attribute {
            name = "__GSI__"
            type = "S"
          }

          global_secondary_index {
            name            = "by-__GSI__"
            hash_key        = "__GSI__"
            range_key       = "sk"
            projection_type = "__PROJ__"
          }

          point_in_time_recovery {
            enabled = local.is_prod
          }

          server_side_encryption {
            enabled     = true
            kms_key_arn = module.data_platform.kms_key_arn
          }

          ttl {
            attribute_name = "expires_at"
            enabled        = __TTL__
          }

          dynamic "replica" {
            for_each = var.enable_dr ? [var.dr_region] : []
            content {
              region_name            = replica.value
              kms_key_arn            = module.data_platform.dr_kms_key_arn
              point_in_time_recovery = true
            }
          }

          tags = merge(local.common_tags, {
            Table = "__NAME__"
          })
        }

        resource "aws_appautoscaling_target" "__ID___reads" {
          count = __AUTOSCALE__ ? 1 : 0

          service_namespace  = "dynamodb"
          resource_id        = "table/${aws_dynamodb_table.__ID__.name}"
          scalable_dimension = "dynamodb:table:ReadCapacityUnits"
          min_capacity       = 5
          max_capacity       = __MAXCAP__
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___throttles" {
          alarm_name          = "${local.name_prefix}-__NAME__-throttled-requests"
          comparison_operator = "GreaterThanThreshold"
          evaluation_periods  = 2
          metric_name         = "ThrottledRequests"
          namespace           = "AWS/DynamoDB"
          period              = 60
          statistic           = "Sum"
          threshold           = __THRESH__

          dimensions = {
            TableName = aws_dynamodb_table.__ID__.name
          }

          tags = local.common_tags
        }
        """,
        name=name, gsi=rng.choice(["customer_id", "status", "created_at", "tenant_id"]),
        proj=rng.choice(["ALL", "KEYS_ONLY"]), ttl=hcl_value(rng.random() < 0.5),
        autoscale=hcl_value(rng.random() < 0.3), maxcap=rng.choice([100, 500, 1000]),
        thresh=rng.choice([0, 10, 50]),
    )


def aws_rds_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    engine, version, family, port = rng.choice([
        ("postgres", "15.5", "postgres15", 5432),
        ("postgres", "16.2", "postgres16", 5432),
        ("mysql", "8.0.36", "mysql8.0", 3306),
    ])
    return component(
        """
        resource "aws_db_subnet_group" "__ID__" {
          name       = "${local.name_prefix}-__NAME__"
          subnet_ids = var.subnet_ids

          tags = local.common_tags
        }

        resource "aws_db_parameter_group" "__ID__" {
          name   = "${local.name_prefix}-__NAME__-__FAMILY_ID__"
          family = "__FAMILY__"

          parameter {
            name  = "__PARAM__"
            value = "__PARAM_VALUE__"
          }

          lifecycle {
            create_before_destroy = true
          }
        }

        resource "aws_security_group" "__ID___db" {
          name        = "${local.name_prefix}-__NAME__-db"
          description = "Database access for __NAME__"
          vpc_id      = var.vpc_id

          ingress {
            description = "__ENGINE__ from the VPC"
            from_port   = __PORT__
            to_port     = __PORT__
            protocol    = "tcp"
            cidr_blocks = ["10.0.0.0/8"]
          }

          egress {
            from_port   = 0
            to_port     = 0
            protocol    = "-1"
            cidr_blocks = ["0.0.0.0/0"]
          }

          tags = local.common_tags
        }

        resource "aws_db_instance" "__ID__" {
          identifier     = "${local.name_prefix}-__NAME__"
          engine         = "__ENGINE__"
          engine_version = "__VERSION__"
          instance_class = local.is_prod ? "__PROD_CLASS__" : "db.t4g.medium"

          allocated_storage     = __STORAGE__
          max_allocated_storage = __MAX_STORAGE__
          storage_type          = "gp3"
          storage_encrypted     = true
          kms_key_id            = module.data_platform.kms_key_arn

          db_name                     = "__DB_NAME__"
          username                    = "app_admin"
          manage_master_user_password = true
          port                        = __PORT__

          db_subnet_group_name   = aws_db_subnet_group.__ID__.name
          parameter_group_name   = aws_db_parameter_group.__ID__.name
          vpc_security_group_ids = [aws_security_group.__ID___db.id]

          multi_az                = local.is_prod
          backup_retention_period = local.is_prod ? 35 : 7
          backup_window           = "02:00-03:00"
          maintenance_window      = "sun:04:00-sun:05:00"
          deletion_protection     = local.is_prod
          skip_final_snapshot     = !local.is_prod
          copy_tags_to_snapshot   = true

          performance_insights_enabled    = true
          performance_insights_kms_key_id = module.data_platform.kms_key_arn
          enabled_cloudwatch_logs_exports = __LOGS__

          tags = merge(local.common_tags, {
            Database = "__NAME__"
          })
        }

        # Cross-region automated backups, only when DR is on.
        resource "aws_db_instance_automated_backups_replication" "__ID__" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          source_db_instance_arn = aws_db_instance.__ID__.arn
          kms_key_id             = module.data_platform.dr_kms_key_arn
          retention_period       = 14
        }
        """,
        name=name, engine=engine, version=version, family=family,
        family_id=family.replace(".", ""), port=port,
        param="log_min_duration_statement" if engine == "postgres" else "slow_query_log",
        param_value="500" if engine == "postgres" else "1",
        prod_class=rng.choice(["db.r6g.large", "db.r6g.xlarge", "db.m6g.large"]),
        storage=rng.choice([20, 50, 100]), max_storage=rng.choice([200, 500, 1000]),
        db_name=ident.replace("_", ""),
        logs=hcl_value(["postgresql", "upgrade"] if engine == "postgres" else ["error", "slowquery"]),
    )


def aws_iam_file(r: Root, name: str) -> str:
    rng = r.rng
    actions = sample(rng, ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage",
                           "sqs:ReceiveMessage", "sqs:DeleteMessage", "dynamodb:GetItem",
                           "dynamodb:PutItem", "dynamodb:Query", "kms:Decrypt", "kms:GenerateDataKey",
                           "secretsmanager:GetSecretValue"], rng.randint(4, 8))
    return component(
        """
        data "aws_iam_policy_document" "__ID___assume" {
          statement {
            effect  = "Allow"
            actions = ["sts:AssumeRoleWithWebIdentity"]

            principals {
              type        = "Federated"
              identifiers = [try(module.cluster[0].oidc_issuer, "arn:aws:iam::${var.account_id}:oidc-provider/example")]
            }

            condition {
              test     = "StringEquals"
              variable = "oidc.eks.${var.region}.amazonaws.com:sub"
              values   = ["system:serviceaccount:__NAMESPACE__:__NAME__"]
            }
          }
        }

        resource "aws_iam_role" "__ID__" {
          name                 = "${local.name_prefix}-__NAME__"
          description          = "Workload role for the __NAME__ service"
          assume_role_policy   = data.aws_iam_policy_document.__ID___assume.json
          max_session_duration = __SESSION__

          tags = merge(local.common_tags, {
            Service = "__NAME__"
          })
        }

        resource "aws_iam_policy" "__ID__" {
          name        = "${local.name_prefix}-__NAME__"
          description = "Data access for __NAME__"

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid      = "DataAccess"
                Effect   = "Allow"
                Action   = __ACTIONS__
                Resource = concat(values(module.data_platform.bucket_arns), [for arn in values(module.data_platform.bucket_arns) : "${arn}/*"])
              },
              {
                Sid      = "RegionLock"
                Effect   = "Deny"
                Action   = "*"
                Resource = "*"
                Condition = {
                  StringNotEquals = {
                    "aws:RequestedRegion" = [var.region]
                  }
                }
              },
            ]
          })
        }

        resource "aws_iam_role_policy_attachment" "__ID__" {
          for_each = {
            data = aws_iam_policy.__ID__.arn
            xray = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
          }

          role       = aws_iam_role.__ID__.name
          policy_arn = each.value
        }
        """,
        name=name, namespace=r.team, session=rng.choice([3600, 7200, 14400]),
        actions=hcl_value(actions),
    )


def aws_logs_file(r: Root, name: str) -> str:
    rng = r.rng
    ident = hcl_ident(name)
    streams = sample(rng, ["access", "application", "audit", "error", "slow", "security"], rng.randint(2, 4))
    return component(
        """
        locals {
          __ID___streams = __STREAMS__
        }

        resource "aws_cloudwatch_log_group" "__ID__" {
          count = length(local.__ID___streams)

          name              = "/${var.team}/${var.environment}/__NAME__/${local.__ID___streams[count.index]}"
          retention_in_days = local.log_retention_days
          kms_key_id        = module.data_platform.kms_key_arn

          tags = merge(local.common_tags, {
            Stream = local.__ID___streams[count.index]
          })
        }

        resource "aws_cloudwatch_log_metric_filter" "__ID___5xx" {
          count = length(local.__ID___streams)

          name           = "${local.name_prefix}-__NAME__-${local.__ID___streams[count.index]}-5xx"
          log_group_name = aws_cloudwatch_log_group.__ID__[count.index].name
          pattern        = "[ip, id, user, timestamp, request, status_code=5*, size]"

          metric_transformation {
            name          = "__METRIC__5xx"
            namespace     = "${var.team}/${var.environment}"
            value         = "1"
            default_value = "0"
          }
        }

        resource "aws_cloudwatch_metric_alarm" "__ID___5xx" {
          alarm_name          = "${local.name_prefix}-__NAME__-5xx"
          comparison_operator = "GreaterThanOrEqualToThreshold"
          evaluation_periods  = __EVAL__
          metric_name         = "__METRIC__5xx"
          namespace           = "${var.team}/${var.environment}"
          period              = 60
          statistic           = "Sum"
          threshold           = __THRESH__
          alarm_description   = "5xx responses from __NAME__ above threshold"
          alarm_actions       = [aws_sns_topic.__ID___alerts.arn]

          tags = local.common_tags
        }

        resource "aws_sns_topic" "__ID___alerts" {
          name              = "${local.name_prefix}-__NAME__-alerts"
          kms_master_key_id = "alias/aws/sns"
        }

        resource "aws_cloudwatch_log_data_protection_policy" "__ID__" {
          count = local.is_prod ? length(local.__ID___streams) : 0

          log_group_name = aws_cloudwatch_log_group.__ID__[count.index].name
          policy_document = jsonencode({
            Name    = "mask-pii"
            Version = "2021-06-01"
            Statement = [
              {
                Sid            = "audit"
                DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
                Operation = {
                  Audit = {
                    FindingsDestination = {}
                  }
                }
              },
              {
                Sid            = "redact"
                DataIdentifier = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
                Operation = {
                  Deidentify = {
                    MaskConfig = {}
                  }
                }
              },
            ]
          })
        }
        """,
        name=name, streams=hcl_value(streams), metric=ident.title().replace("_", ""),
        eval=rng.choice([1, 2, 3]), thresh=rng.choice([5, 10, 25, 100]),
    )


def aws_kms_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "aws_kms_key" "__ID__" {
          description             = "${local.name_prefix} __NAME__ key"
          deletion_window_in_days = __WINDOW__
          enable_key_rotation     = true
          rotation_period_in_days = __ROTATION__
          multi_region            = var.enable_dr

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid       = "RootAccess"
                Effect    = "Allow"
                Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
                Action    = "kms:*"
                Resource  = "*"
              },
              {
                Sid       = "ServiceUse"
                Effect    = "Allow"
                Principal = { AWS = var.kms_admin_arns }
                Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"]
                Resource  = "*"
                Condition = {
                  StringEquals = {
                    "kms:ViaService" = "__VIA__.${var.region}.amazonaws.com"
                  }
                }
              },
            ]
          })

          tags = merge(local.common_tags, {
            Purpose = "__NAME__"
          })
        }

        resource "aws_kms_alias" "__ID__" {
          name          = "alias/${local.name_prefix}-__NAME__"
          target_key_id = aws_kms_key.__ID__.key_id
        }

        resource "aws_kms_replica_key" "__ID__" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          description             = "${local.name_prefix} __NAME__ key (DR replica)"
          primary_key_arn         = aws_kms_key.__ID__.arn
          deletion_window_in_days = 30

          tags = local.common_tags
        }

        resource "aws_kms_alias" "__ID___dr" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          name          = "alias/${local.name_prefix}-__NAME__"
          target_key_id = aws_kms_replica_key.__ID__[0].key_id
        }

        resource "aws_kms_grant" "__ID__" {
          for_each = toset(var.kms_admin_arns)

          name              = "${local.name_prefix}-__NAME__-grant"
          key_id            = aws_kms_key.__ID__.key_id
          grantee_principal = each.value
          operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
        }
        """,
        name=name, window=rng.choice([7, 14, 30]), rotation=rng.choice([90, 180, 365]),
        via=rng.choice(["s3", "sqs", "secretsmanager", "dynamodb", "rds"]),
    )


def aws_backup_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        resource "aws_backup_vault" "__ID__" {
          name        = "${local.name_prefix}-__NAME__"
          kms_key_arn = module.data_platform.kms_key_arn

          tags = local.common_tags
        }

        resource "aws_backup_vault" "__ID___dr" {
          count    = var.enable_dr ? 1 : 0
          provider = aws.dr

          name        = "${local.name_prefix}-__NAME__-dr"
          kms_key_arn = module.data_platform.dr_kms_key_arn

          tags = local.common_tags
        }

        resource "aws_backup_plan" "__ID__" {
          name = "${local.name_prefix}-__NAME__"

          rule {
            rule_name         = "daily"
            target_vault_name = aws_backup_vault.__ID__.name
            schedule          = "cron(__MIN__ __HOUR__ * * ? *)"
            start_window      = 60
            completion_window = 360

            lifecycle {
              cold_storage_after = __COLD__
              delete_after       = __DELETE__
            }

            dynamic "copy_action" {
              for_each = var.enable_dr ? [aws_backup_vault.__ID___dr[0].arn] : []
              content {
                destination_vault_arn = copy_action.value

                lifecycle {
                  delete_after = __DELETE__
                }
              }
            }
          }

          rule {
            rule_name         = "monthly"
            target_vault_name = aws_backup_vault.__ID__.name
            schedule          = "cron(0 5 1 * ? *)"

            lifecycle {
              delete_after = 365
            }
          }

          tags = local.common_tags
        }

        resource "aws_iam_role" "__ID___backup" {
          name = "${local.name_prefix}-__NAME__-backup"

          assume_role_policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect    = "Allow"
                Action    = "sts:AssumeRole"
                Principal = { Service = "backup.amazonaws.com" }
              },
            ]
          })
        }

        resource "aws_iam_role_policy_attachment" "__ID___backup" {
          role       = aws_iam_role.__ID___backup.name
          policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
        }

        resource "aws_backup_selection" "__ID__" {
          name         = "${local.name_prefix}-__NAME__"
          plan_id      = aws_backup_plan.__ID__.id
          iam_role_arn = aws_iam_role.__ID___backup.arn

          selection_tag {
            type  = "STRINGEQUALS"
            key   = "Backup"
            value = "__NAME__"
          }

          condition {
            string_equals {
              key   = "aws:ResourceTag/Environment"
              value = var.environment
            }
          }
        }
        """,
        name=name, min=rng.randrange(0, 60, 5), hour=rng.randint(0, 5),
        cold=rng.choice([30, 60, 90]), delete=rng.choice([180, 365, 730]),
    )


def aws_ecr_file(r: Root, name: str) -> str:
    rng = r.rng
    return component(
        """
        module "registry___ID__" {
          source = "__M__/registry"

          providers = {
            aws    = aws
            aws.dr = aws.dr
          }

          name                 = "${var.team}/__NAME__"
          image_tag_mutability = "__MUT__"
          keep_last            = __KEEP__
          replicate            = var.enable_dr && __REPL__
          kms_key_arn          = module.data_platform.kms_key_arn
          tags                 = local.common_tags
        }

        resource "aws_ecr_repository" "__ID___cache" {
          name                 = "${var.team}/__NAME__-build-cache"
          image_tag_mutability = "MUTABLE"

          image_scanning_configuration {
            scan_on_push = false
          }

          encryption_configuration {
            encryption_type = "KMS"
            kms_key         = module.data_platform.kms_key_arn
          }

          tags = local.common_tags
        }

        resource "aws_ecr_lifecycle_policy" "__ID___cache" {
          repository = aws_ecr_repository.__ID___cache.name

          policy = jsonencode({
            rules = [
              {
                rulePriority = 1
                description  = "Drop cache layers after __DAYS__ days"
                selection = {
                  tagStatus   = "any"
                  countType   = "sinceImagePushed"
                  countUnit   = "days"
                  countNumber = __DAYS__
                }
                action = {
                  type = "expire"
                }
              },
            ]
          })
        }

        resource "aws_ecr_repository_policy" "__ID__" {
          repository = "${var.team}/__NAME__"

          policy = jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Sid    = "AllowPullFromAccount"
                Effect = "Allow"
                Principal = {
                  AWS = "arn:aws:iam::${var.account_id}:root"
                }
                Action = [
                  "ecr:BatchGetImage",
                  "ecr:GetDownloadUrlForLayer",
                  "ecr:BatchCheckLayerAvailability",
                ]
              },
            ]
          })

          depends_on = [module.registry___ID__]
        }
        """,
        name=name, m=r.modules_rel, mut=rng.choice(["IMMUTABLE", "MUTABLE"]),
        keep=rng.choice([10, 20, 50]), repl=hcl_value(rng.random() < 0.5), days=rng.choice([7, 14, 30]),
    )


AWS_SERVICE_GENERATORS: dict[str, ServiceGenerator] = {
    "s3": aws_s3_file,
    "queues": aws_queues_file,
    "dynamodb": aws_dynamodb_file,
    "rds": aws_rds_file,
    "iam": aws_iam_file,
    "logs": aws_logs_file,
    "kms": aws_kms_file,
    "backup": aws_backup_file,
    "ecr": aws_ecr_file,
}
