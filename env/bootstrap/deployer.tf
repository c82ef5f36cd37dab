# The deployer policy: what applying and destroying env/dev, env/prod and
# env/prod-dr takes, and no more (docs/deployer.md). Attach it to the roles
# that apply them: the CI role and the break-glass role, which are also the
# environments' key_administrators. The bootstrap itself (this directory,
# and env/bootstrap-region) is an administrator's, once per account.
#
# Scoped to this project's names where the service allows it: every
# resource the environments create is named s3-latest-dev-* or
# s3-latest-prod-* (prod-dr included), and every KMS key carries the
# provider's default tag project = s3-latest. What a service cannot scope
# (creating a key, listing) is on "*".
locals {
  arn          = "arn:${data.aws_partition.current.partition}"
  environments = ["s3-latest-dev", "s3-latest-prod"]
  # name-prefixed ARNs of one resource type, for every environment
  named = { for kind, prefix in {
    bucket    = "${local.arn}:s3:::"
    role      = "${local.arn}:iam::${local.account_id}:role/"
    function  = "${local.arn}:lambda:*:${local.account_id}:function:"
    log_group = "${local.arn}:logs:*:${local.account_id}:log-group:/aws/lambda/"
    alarm     = "${local.arn}:cloudwatch:*:${local.account_id}:alarm:"
    dashboard = "${local.arn}:cloudwatch::${local.account_id}:dashboard/"
    topic     = "${local.arn}:sns:*:${local.account_id}:"
    queue     = "${local.arn}:sqs:*:${local.account_id}:"
    bus       = "${local.arn}:events:*:${local.account_id}:event-bus/"
    rule      = "${local.arn}:events:*:${local.account_id}:rule/"
    schedule  = "${local.arn}:scheduler:*:${local.account_id}:schedule/default/"
    webacl    = "${local.arn}:wafv2:*:${local.account_id}:regional/webacl/"
    alias     = "${local.arn}:kms:*:${local.account_id}:alias/"
  } : kind => [for environment in local.environments : "${prefix}${environment}-*"] }
  project_keys = "${local.arn}:kms:*:${local.account_id}:key/*"
}

data "aws_iam_policy_document" "deployer" {
  #checkov:skip=CKV_AWS_356:Only what AWS cannot scope to a resource is on "*": kms:CreateKey (conditioned on the project tag), and the List/Describe calls Terraform makes to find existing resources.
  #checkov:skip=CKV_AWS_111:Every write is scoped to the project's names, or to its tagged keys; "*" carries only kms:CreateKey (tag-conditioned), the API Gateway and ACM calls whose resources are random ids, and reads.
  #checkov:skip=CKV_AWS_109:Key management is limited to keys tagged project = s3-latest, which the key policies also grant to the key administrators.
  #checkov:skip=CKV_AWS_110:iam:PassRole is limited to the project's roles and to the services they are for.
  statement {
    sid       = "State"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }
  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.state.arn}/s3-latest/*"]
  }
  statement {
    sid       = "StateKey"
    actions   = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [aws_kms_key.state.arn]
  }

  statement {
    sid = "SnapshotBuckets"
    actions = [
      "s3:CreateBucket", "s3:DeleteBucket", "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucket*",
      "s3:GetLifecycleConfiguration", "s3:GetEncryptionConfiguration", "s3:GetReplicationConfiguration",
      "s3:GetAccelerateConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketTagging",
      "s3:PutBucketVersioning", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls",
      "s3:PutBucketPublicAccessBlock", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
      "s3:PutReplicationConfiguration",
    ]
    resources = local.named.bucket
  }
  # Only dev's bucket is emptied by a destroy (force_destroy); a kept
  # environment's objects are the operator's to delete (scripts/retire.sh).
  statement {
    sid       = "EmptyDevBuckets"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${local.arn}:s3:::s3-latest-dev-*/*"]
  }

  statement {
    sid       = "CreateTaggedKeys"
    actions   = ["kms:CreateKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = ["s3-latest"]
    }
  }
  statement {
    sid = "ProjectKeys"
    actions = [
      "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy",
      "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource", "kms:UntagResource",
      "kms:ScheduleKeyDeletion", "kms:ReplicateKey",
    ]
    resources = [local.project_keys]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = ["s3-latest"]
    }
  }
  # CreateKey's tags, which the new key does not carry yet.
  statement {
    sid       = "TagNewKeys"
    actions   = ["kms:TagResource"]
    resources = [local.project_keys]
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/project"
      values   = ["s3-latest"]
    }
  }
  # An alias operation is authorized on the alias and on its key; the key's
  # side is also its key policy's, which names the key administrators.
  statement {
    sid       = "ProjectAliases"
    actions   = ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"]
    resources = concat(local.named.alias, [local.project_keys])
  }

  statement {
    sid = "Roles"
    actions = [
      "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:TagRole", "iam:UntagRole", "iam:UpdateRole",
      "iam:UpdateAssumeRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:GetRolePolicy",
      "iam:DeleteRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:AttachRolePolicy",
      "iam:DetachRolePolicy", "iam:ListInstanceProfilesForRole",
    ]
    resources = local.named.role
  }
  statement {
    sid       = "PassRolesToTheirServices"
    actions   = ["iam:PassRole"]
    resources = local.named.role
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com", "scheduler.amazonaws.com", "s3.amazonaws.com"]
    }
  }

  statement {
    sid = "WebAcls"
    actions = [
      "wafv2:CreateWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL", "wafv2:GetWebACL", "wafv2:AssociateWebACL",
      "wafv2:DisassociateWebACL", "wafv2:ListResourcesForWebACL", "wafv2:GetWebACLForResource",
      "wafv2:TagResource", "wafv2:UntagResource", "wafv2:ListTagsForResource",
    ]
    resources = concat(local.named.webacl, [
      "${local.arn}:wafv2:*:*:regional/managedruleset/*/*",
      "${local.arn}:apigateway:*::/restapis/*/stages/*",
    ])
  }
  # API Gateway authorizes its control plane by HTTP verb on a resource
  # path, and names APIs, keys and usage plans by random ids; the paths
  # are as narrow as it allows. SetWebACL comes with AssociateWebACL.
  statement {
    sid     = "ApiGateway"
    actions = ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE", "apigateway:UpdateRestApiPolicy", "apigateway:SetWebACL"]
    resources = [for path in ["/restapis", "/restapis/*", "/apis", "/apis/*", "/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*", "/domainnames", "/domainnames/*", "/tags/*"] :
      "${local.arn}:apigateway:*::${path}"
    ]
  }
  # prod-dr's failover: health checks, records and the certificate.
  statement {
    sid = "Failover"
    actions = [
      "route53:UpdateHealthCheck", "route53:DeleteHealthCheck", "route53:GetHealthCheck",
      "route53:ChangeTagsForResource", "route53:ListTagsForResource", "route53:ChangeResourceRecordSets",
      "route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:GetChange",
      "acm:DescribeCertificate", "acm:DeleteCertificate", "acm:ListTagsForCertificate",
      "acm:AddTagsToCertificate", "acm:GetCertificate",
    ]
    resources = [
      "${local.arn}:route53:::healthcheck/*", "${local.arn}:route53:::hostedzone/*", "${local.arn}:route53:::change/*",
      "${local.arn}:acm:*:${local.account_id}:certificate/*",
    ]
  }
}

# The rest: IAM caps a managed policy at 6,144 characters.
data "aws_iam_policy_document" "deployer_services" {
  #checkov:skip=CKV_AWS_356:Only what AWS cannot scope to a resource is on "*": kms:CreateKey (conditioned on the project tag), and the List/Describe calls Terraform makes to find existing resources.
  #checkov:skip=CKV_AWS_111:Every write is scoped to the project's names, or to its tagged keys; "*" carries only kms:CreateKey (tag-conditioned), the API Gateway and ACM calls whose resources are random ids, and reads.
  #checkov:skip=CKV_AWS_109:Key management is limited to keys tagged project = s3-latest, which the key policies also grant to the key administrators.
  #checkov:skip=CKV_AWS_110:iam:PassRole is limited to the project's roles and to the services they are for.
  statement {
    sid = "Functions"
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:GetFunctionCodeSigningConfig",
      "lambda:ListVersionsByFunction", "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
      "lambda:GetFunctionConcurrency", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
      "lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunctionUrlConfig",
      "lambda:GetFunctionUrlConfig", "lambda:PutFunctionEventInvokeConfig", "lambda:UpdateFunctionEventInvokeConfig",
      "lambda:GetFunctionEventInvokeConfig", "lambda:DeleteFunctionEventInvokeConfig", "lambda:TagResource",
      "lambda:UntagResource", "lambda:ListTags",
    ]
    resources = local.named.function
  }
  statement {
    sid = "LogGroups"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey", "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource",
      "logs:ListTagsForResource", "logs:TagLogGroup", "logs:ListTagsLogGroup",
    ]
    resources = concat(local.named.log_group, [
      "${local.arn}:logs:*:${local.account_id}:log-group:API-Gateway-Access-Logs_s3-latest-*",
      "${local.arn}:logs:*:${local.account_id}:log-group:API-Gateway-Execution-Logs_*",
    ])
  }
  statement {
    sid = "AlarmsAndDashboards"
    actions = [
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource",
      "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard",
      "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards",
    ]
    resources = concat(local.named.alarm, local.named.dashboard)
  }
  statement {
    sid = "TopicsQueuesBusesSchedules"
    actions = [
      "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:Subscribe",
      "sns:ListSubscriptionsByTopic", "sns:TagResource", "sns:UntagResource", "sns:ListTagsForResource",
      "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl",
      "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags",
      "events:CreateEventBus", "events:DeleteEventBus", "events:DescribeEventBus", "events:UpdateEventBus",
      "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:EnableRule", "events:DisableRule",
      "events:PutTargets", "events:RemoveTargets", "events:ListTargetsByRule", "events:TagResource",
      "events:UntagResource", "events:ListTagsForResource",
      "scheduler:CreateSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule",
    ]
    resources = concat(local.named.topic, local.named.queue, local.named.bus, local.named.rule, local.named.schedule)
  }
  # Subscriptions, certificates and health checks are named by random
  # ids, given only once they exist.
  statement {
    sid       = "RandomlyNamed"
    actions   = ["sns:Unsubscribe", "sns:GetSubscriptionAttributes", "acm:RequestCertificate", "route53:CreateHealthCheck"]
    resources = ["*"]
  }
  # Who is applying (aws_iam_session_context): a role's path, or a user.
  statement {
    sid       = "WhoApplies"
    actions   = ["iam:GetRole", "iam:GetUser"]
    resources = ["${local.arn}:iam::${local.account_id}:role/*", "${local.arn}:iam::${local.account_id}:user/*"]
  }
  statement {
    sid       = "ApiGatewayLoggingMarker"
    actions   = ["ssm:GetParametersByPath", "ssm:GetParameter"]
    resources = ["${local.arn}:ssm:*:${local.account_id}:parameter/s3-latest", "${local.arn}:ssm:*:${local.account_id}:parameter/s3-latest/*"]
  }
  statement {
    sid = "FindAndRead"
    actions = [
      "sts:GetCallerIdentity", "iam:ListRoles", "s3:ListAllMyBuckets", "kms:ListKeys", "kms:ListAliases",
      "lambda:ListFunctions", "logs:DescribeLogGroups", "sns:ListTopics", "sqs:ListQueues",
      "events:ListEventBuses", "events:ListRules", "scheduler:ListSchedules", "wafv2:ListWebACLs",
      "route53:ListHealthChecks",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "deployer" {
  for_each = {
    "s3-latest-deployer"          = data.aws_iam_policy_document.deployer.json
    "s3-latest-deployer-services" = data.aws_iam_policy_document.deployer_services.json
  }
  name        = each.key
  description = "Applies and destroys the s3-latest environments, with the other one of the two (docs/deployer.md)"
  policy      = each.value
}
