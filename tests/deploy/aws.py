"""The deploy test's AWS SDK (boto3) side, against moto.

    aws.py ENDPOINT REGION readback NAME     (NAME: s3-latest-dev, s3-latest-prod, or bootstrap)
    aws.py ENDPOINT REGION readback-dr NAME  (NAME: s3-latest-prod-dr; REGION: the primary's)
    aws.py ENDPOINT REGION api-gateway-account -  (the region's API Gateway logging role, and the bootstrap's marker)
    aws.py ENDPOINT REGION create-zone NAME  (a public hosted zone; prints its id)
    aws.py ENDPOINT REGION create-operator NAME  (an IAM user with an access key; prints both)
    aws.py ENDPOINT REGION protections NAME  (what must stay on while NAME's bucket exists)
    aws.py ENDPOINT REGION create-admin NAME  (an IAM user with AdministratorAccess: 3 requests)
    aws.py ENDPOINT REGION grant-deployer USER POLICY_ARN...  (the deployer policies, in the form moto evaluates)

Requests are signed with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when
they are set (a moto that checks identity policies), else with moto's
"testing" keys.

`readback` prints one JSON document of facts about a deployment; the deploy
test (functions/deploy-checks/tests/deploy.rs) asserts on them against the
code. `leftovers` lists every resource in the account whose name starts
with NAME, for the after-destroy check.
"""

import json
import os
import sys

import boto3
from botocore.exceptions import ClientError


def clients(endpoint, region):
    def make(service):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
            config=boto3.session.Config(s3={"addressing_style": "path"}),
        )

    return make


def absent(call, *codes):
    try:
        return call()
    except ClientError as e:
        if e.response["Error"]["Code"] in codes:
            return None
        raise


def bucket_facts(s3, bucket):
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    policy = absent(lambda: s3.get_bucket_policy(Bucket=bucket)["Policy"], "NoSuchBucketPolicy")
    return {
        "name": bucket,
        "public_access_block": s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"],
        "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        "sse_algorithm": encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "sse_kms_key": encryption["ApplyServerSideEncryptionByDefault"].get("KMSMasterKeyID"),
        "bucket_key": encryption.get("BucketKeyEnabled", False),
        "policy": json.loads(policy) if policy else None,
    }


def leftovers(make, name):
    found = []
    s3 = make("s3")
    found += [f"bucket {b['Name']}" for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(name)]
    lam = make("lambda")
    found += [f"function {f['FunctionName']}" for f in lam.list_functions()["Functions"] if f["FunctionName"].startswith(name)]
    iam = make("iam")
    found += [f"role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(name)]
    logs = make("logs")
    for group in logs.describe_log_groups()["logGroups"]:
        if name in group["logGroupName"]:
            found.append(f"log group {group['logGroupName']}")
    found += [f"queue {q}" for q in make("sqs").list_queues().get("QueueUrls", []) if name in q]
    found += [f"topic {t['TopicArn']}" for t in make("sns").list_topics()["Topics"] if name in t["TopicArn"]]
    events = make("events")
    found += [f"bus {b['Name']}" for b in events.list_event_buses()["EventBuses"] if b["Name"].startswith(name)]
    found += [f"rule {r['Name']}" for r in events.list_rules()["Rules"] if r["Name"].startswith(name)]
    found += [f"schedule {s['Name']}" for s in make("scheduler").list_schedules()["Schedules"] if s["Name"].startswith(name)]
    found += [f"api {a['name']}" for a in make("apigateway").get_rest_apis()["items"] if a["name"].startswith(name)]
    found += [f"http api {a['Name']}" for a in make("apigatewayv2").get_apis()["Items"] if a["Name"].startswith(name)]
    found += [f"alarm {a['AlarmName']}" for a in make("cloudwatch").describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(name)]
    found += [f"web acl {a['Name']}" for a in make("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"] if a["Name"].startswith(name)]
    route53 = make("route53")
    for check in route53.list_health_checks()["HealthChecks"]:
        tags = route53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])["ResourceTagSet"]["Tags"]
        if any(t["Key"] == "Name" and t["Value"].startswith(name) for t in tags):
            found.append(f"health check {check['Id']}")
    found += [f"domain {d['domainName']}" for d in make("apigateway").get_domain_names()["items"]]
    kms = make("kms")
    for alias in kms.list_aliases()["Aliases"]:
        if alias["AliasName"].startswith(f"alias/{name}"):
            found.append(f"kms alias {alias['AliasName']}")
    for key in kms.list_keys()["Keys"]:
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        if name in meta.get("Description", "") and meta["KeyState"] != "PendingDeletion":
            found.append(f"kms key {key['KeyId']} ({meta['KeyState']})")
    return found


def rest_api(apigw, name):
    """The REST API called NAME, in the shape http_api gives too (or None)."""
    api = next((a for a in apigw.get_rest_apis()["items"] if a["name"] == name), None)
    if api is None:
        return None
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    return {
        "kind": "rest",
        "id": api["id"],
        "stages": [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]],
        "methods": {
            r["path"]: sorted(r.get("resourceMethods", {}).keys()) for r in resources if r.get("resourceMethods")
        },
        "integrations": {
            f"{method} {r['path']}": {
                key: integration.get(key)
                for integration in [apigw.get_integration(restApiId=api["id"], resourceId=r["id"], httpMethod=method)]
                for key in ("type", "uri")
            }
            for r in resources
            for method in r.get("resourceMethods", {})
        },
        "api_key_required": {
            f"{method} {r['path']}": apigw.get_method(restApiId=api["id"], resourceId=r["id"], httpMethod=method).get(
                "apiKeyRequired", False
            )
            for r in resources
            for method in r.get("resourceMethods", {})
        },
        "gateway_responses": {
            r["responseType"]: {
                "status": r.get("statusCode"),
                "template": r.get("responseTemplates", {}).get("application/json"),
            }
            for r in apigw.get_gateway_responses(restApiId=api["id"])["items"]
        },
        "authorization": {
            f"{method} {r['path']}": apigw.get_method(restApiId=api["id"], resourceId=r["id"], httpMethod=method).get(
                "authorizationType"
            )
            for r in resources
            for method in r.get("resourceMethods", {})
        },
        "authorizer_ids": {
            f"{method} {r['path']}": apigw.get_method(restApiId=api["id"], resourceId=r["id"], httpMethod=method).get(
                "authorizerId"
            )
            for r in resources
            for method in r.get("resourceMethods", {})
        },
        "authorizers": [
            {
                key: authorizer.get(key)
                for key in (
                    "id",
                    "type",
                    "authorizerUri",
                    "identitySource",
                    "identityValidationExpression",
                    "authorizerResultTtlInSeconds",
                )
            }
            for authorizer in apigw.get_authorizers(restApiId=api["id"])["items"]
        ],
    }


def http_api(apigw, name):
    """The HTTP API called NAME: routes by path, their integrations and
    authorization, and each stage's throttling and access log (or None)."""
    api = next((a for a in apigw.get_apis()["Items"] if a["Name"] == name), None)
    if api is None:
        return None
    routes = apigw.get_routes(ApiId=api["ApiId"])["Items"]
    integrations = {i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api["ApiId"])["Items"]}
    methods = {}
    for route in routes:
        method, path = route["RouteKey"].split(" ", 1)
        methods.setdefault(path, []).append(method)
    stages = apigw.get_stages(ApiId=api["ApiId"])["Items"]
    return {
        "kind": "http",
        "id": api["ApiId"],
        "protocol": api["ProtocolType"],
        "cors": api.get("CorsConfiguration"),
        "stages": [s["StageName"] for s in stages],
        "methods": {path: sorted(found) for path, found in methods.items()},
        "integrations": {
            route["RouteKey"]: {
                "type": integration["IntegrationType"],
                "uri": integration["IntegrationUri"],
                "payload_format_version": integration.get("PayloadFormatVersion"),
            }
            for route in routes
            for integration in [integrations[route["Target"].removeprefix("integrations/")]]
        },
        "authorization": {route["RouteKey"]: route.get("AuthorizationType", "NONE") for route in routes},
        "throttling": {
            s["StageName"]: {
                "rate": s.get("DefaultRouteSettings", {}).get("ThrottlingRateLimit"),
                "burst": s.get("DefaultRouteSettings", {}).get("ThrottlingBurstLimit"),
            }
            for s in stages
        },
        "access_logs": {s["StageName"]: s.get("AccessLogSettings", {}).get("DestinationArn") for s in stages},
    }


def environment(make, name):
    account = make("sts").get_caller_identity()["Account"]
    region = make("s3").meta.region_name
    bucket = f"{name}-{account}-{region}"
    facts = {"leftovers": leftovers(make, name)}
    if not any(f == f"bucket {bucket}" for f in facts["leftovers"]):
        return facts

    s3 = make("s3")
    facts["bucket"] = bucket_facts(s3, bucket)

    lam = make("lambda")
    facts["functions"] = {}
    deployed = {f["FunctionName"] for f in lam.list_functions()["Functions"]}
    # retrieve-stream runs with retrieve's role.
    functions = [f for f in ("ingest", "retrieve", "retrieve-stream", "authorizer") if f"{name}-{f}" in deployed]
    for function in functions:
        config = lam.get_function_configuration(FunctionName=f"{name}-{function}")
        policy = absent(lambda: lam.get_policy(FunctionName=f"{name}-{function}")["Policy"], "ResourceNotFoundException")
        facts["functions"][function] = {
            "environment": config.get("Environment", {}).get("Variables", {}),
            "role": config["Role"],
            "reserved_concurrency": lam.get_function_concurrency(FunctionName=f"{name}-{function}").get(
                "ReservedConcurrentExecutions"
            ),
            "dead_letter_target": config.get("DeadLetterConfig", {}).get("TargetArn"),
            "policy": json.loads(policy) if policy else None,
            "memory": config["MemorySize"],
            "timeout": config["Timeout"],
        }
        url = absent(lambda: lam.get_function_url_config(FunctionName=f"{name}-{function}"), "ResourceNotFoundException")
        if url:
            facts["functions"][function]["url"] = {
                "url": url["FunctionUrl"],
                "auth": url["AuthType"],
                "invoke_mode": url["InvokeMode"],
            }

    if "ingest" in functions:
        schedule = make("scheduler").get_schedule(Name=f"{name}-ingest")
        facts["schedule"] = {
            "input": schedule["Target"]["Input"],
            "target": schedule["Target"]["Arn"],
            "state": schedule["State"],
        }

    facts["api"] = rest_api(make("apigateway"), name) or http_api(make("apigatewayv2"), name)

    if "ingest" in functions:
        sqs = make("sqs")
        queue = sqs.get_queue_url(QueueName=f"{name}-ingest-dlq")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy", "QueueArn"])["Attributes"]
        facts["dead_letter_queue"] = {
            "arn": attributes["QueueArn"],
            "policy": json.loads(attributes.get("Policy", "null")),
        }
        rule = make("events").describe_rule(Name=f"{name}-ingest-requested", EventBusName=name)
        facts["manual_rule_arn"] = rule["Arn"]
        facts["manual_rule_state"] = rule["State"]

    iam = make("iam")
    facts["roles"] = {}
    for function in (f for f in functions if f != "retrieve-stream"):
        role = f"{name}-{function}"
        statements = []
        for policy_name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            statements += document["Statement"]
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        arn = iam.get_role(RoleName=role)["Role"]["Arn"]
        facts["roles"][function] = {"arn": arn, "statements": statements, "attached": attached}

    api_id = (facts["api"] or {}).get("id")
    facts["log_groups"] = {
        g["logGroupName"]: {"kms_key": g.get("kmsKeyId"), "retention": g.get("retentionInDays")}
        for g in make("logs").describe_log_groups()["logGroups"]
        if name in g["logGroupName"] or (api_id and f"_{api_id}/" in g["logGroupName"])
    }
    facts["api_key_values"] = [
        k["value"] for k in make("apigateway").get_api_keys(includeValues=True)["items"] if k["name"].startswith(name)
    ]

    kms = make("kms")
    key = facts["functions"]["retrieve"]["environment"]["KMS_KEY_ID"]
    facts["key_policy"] = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    facts["key"] = kms.describe_key(KeyId=key)["KeyMetadata"]
    tag_key = facts["functions"].get("ingest", {}).get("environment", {}).get("TRIGGER_KEY_ID")
    if tag_key:
        facts["trigger_key"] = kms.describe_key(KeyId=tag_key)["KeyMetadata"]
        facts["trigger_key_policy"] = json.loads(kms.get_key_policy(KeyId=tag_key, PolicyName="default")["Policy"])
    facts["alarms"] = sorted(
        a["AlarmName"] for a in make("cloudwatch").describe_alarms()["MetricAlarms"] if a["AlarmName"].startswith(name)
    )
    return facts


def disaster_recovery(make, name):
    """What only an active-standby deployment has: replication, failover DNS."""
    account = make("sts").get_caller_identity()["Account"]
    region = make("s3").meta.region_name
    primary_bucket = f"{name}-primary-{account}-{region}"
    s3 = make("s3")
    replication = absent(
        lambda: s3.get_bucket_replication(Bucket=primary_bucket)["ReplicationConfiguration"],
        "ReplicationConfigurationNotFoundError",
    )
    facts = {
        "replication": replication,
        "replication_role": None,
        "alarms": sorted(
            a["AlarmName"]
            for a in make("cloudwatch").describe_alarms()["MetricAlarms"]
            if "-replication-" in a["AlarmName"] and a["AlarmName"].startswith(name)
        ),
    }
    if replication:
        iam = make("iam")
        role = replication["Role"].split("/")[-1]
        statements = []
        for policy_name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
            document = json.loads(document) if isinstance(document, str) else document
            statements += document["Statement"]
        facts["replication_role"] = {"name": role, "statements": statements}
    route53 = make("route53")
    facts["health_checks"] = [
        {
            "config": check["HealthCheckConfig"],
            "tags": {
                t["Key"]: t["Value"]
                for t in route53.list_tags_for_resource(ResourceType="healthcheck", ResourceId=check["Id"])[
                    "ResourceTagSet"
                ]["Tags"]
            },
        }
        for check in route53.list_health_checks()["HealthChecks"]
    ]
    facts["records"] = []
    for zone in route53.list_hosted_zones()["HostedZones"]:
        for record in route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]:
            if record.get("Failover"):
                facts["records"].append(record)
    return facts


def unreachable_alarms(make, prefix):
    """Alarms whose notifications would be lost: for every alarm named with
    `prefix` and every SNS action, a topic encrypted with a key whose policy
    does not let CloudWatch use it (kms:Decrypt and kms:GenerateDataKey*) for
    that alarm's ARN. CloudWatch publishes to an encrypted topic only so (SNS
    Developer Guide, "Key management"); moto evaluates no key policy, so the
    policy is matched here as AWS would match its ArnLike condition."""
    import fnmatch

    sns, kms = make("sns"), make("kms")
    problems = []
    for alarm in make("cloudwatch").describe_alarms()["MetricAlarms"]:
        if not alarm["AlarmName"].startswith(prefix):
            continue
        for action in set(alarm.get("AlarmActions", []) + alarm.get("OKActions", [])):
            if ":sns:" not in action:
                continue
            key = sns.get_topic_attributes(TopicArn=action)["Attributes"].get("KmsMasterKeyId")
            if not key:
                continue
            policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
            needed = {"kms:Decrypt", "kms:GenerateDataKey*"}
            for statement in policy["Statement"]:
                principal = statement.get("Principal", {})
                services = principal.get("Service", []) if isinstance(principal, dict) else []
                services = [services] if isinstance(services, str) else services
                actions = statement.get("Action", [])
                actions = {actions} if isinstance(actions, str) else set(actions)
                if statement.get("Effect") != "Allow" or "cloudwatch.amazonaws.com" not in services:
                    continue
                patterns = statement.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn", ["*"])
                patterns = [patterns] if isinstance(patterns, str) else patterns
                if any(fnmatch.fnmatchcase(alarm["AlarmArn"], p) for p in patterns):
                    needed -= actions
            if needed:
                problems.append(f"{alarm['AlarmName']} -> {action}: the key lets CloudWatch no {sorted(needed)}")
    return problems


def bootstrap(make):
    account = make("sts").get_caller_identity()["Account"]
    region = make("s3").meta.region_name
    bucket = f"s3-latest-tfstate-{account}-{region}"
    s3 = make("s3")
    facts = {"bucket": bucket_facts(s3, bucket), "state_objects": {}}
    for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        head = s3.head_object(Bucket=bucket, Key=obj["Key"])
        facts["state_objects"][obj["Key"]] = {
            "sse": head.get("ServerSideEncryption"),
            "sse_kms_key": head.get("SSEKMSKeyId"),
        }
    return facts


def create_zone(make, name):
    zone = make("route53").create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]
    print(zone["Id"].split("/")[-1])


def protections(make, name):
    """A retiring deployment's data and what protects it: the bucket (None
    once deleted) and how many versions and delete markers it holds, and the
    key by its alias (None once the alias is gone)."""
    account = make("sts").get_caller_identity()["Account"]
    bucket = f"{name}-{account}-{make('s3').meta.region_name}"
    s3 = make("s3")
    facts = {"bucket": absent(lambda: bucket_facts(s3, bucket), "NoSuchBucket")}
    if facts["bucket"]:
        versions = s3.list_object_versions(Bucket=bucket)
        facts["objects"] = len(versions.get("Versions", [])) + len(versions.get("DeleteMarkers", []))
    key = absent(lambda: make("kms").describe_key(KeyId=f"alias/{name}")["KeyMetadata"], "NotFoundException")
    facts["key_state"] = key and key["KeyState"]
    return facts


def create_admin(make, name):
    """The account's administrator, in exactly three requests: the ones a
    moto started with INITIAL_NO_AUTH_ACTION_COUNT=3 takes unsigned."""
    iam = make("iam")
    user = iam.create_user(UserName=name)["User"]
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    json.dump(
        {"arn": user["Arn"], "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]},
        sys.stdout,
    )


# How moto 5.2.5 names the actions it checks, where it differs from IAM:
# CloudWatch by its signing name; API Gateway's control plane by operation,
# where IAM authorizes an HTTP verb on a path (GET is every Get*, and so
# on); HeadBucket, which IAM authorizes as s3:ListBucket.
MOTO_NAMES = {
    "cloudwatch:": lambda a: ["monitoring:" + a.split(":", 1)[1]],
    "apigateway:GET": lambda a: ["apigateway:Get*"],
    "apigateway:POST": lambda a: ["apigateway:Create*"],
    "apigateway:PUT": lambda a: ["apigateway:Put*"],
    "apigateway:PATCH": lambda a: ["apigateway:Update*"],
    "apigateway:DELETE": lambda a: ["apigateway:Delete*"],
    "s3:ListBucket": lambda a: [a, "s3:HeadBucket"],
}


def moto_names(action):
    for prefix, names in MOTO_NAMES.items():
        if action == prefix or (prefix.endswith(":") and action.startswith(prefix)):
            return names(action)
    return [action]


def moto_form(document):
    """The deployer policy as moto 5.2.5 can evaluate it: the same actions
    under moto's names, S3's resources as written (moto checks S3 requests
    against the bucket and object ARNs), every other service's widened to
    "*" (moto checks those against "*"), and no conditions (moto turns a
    conditional Allow into a Deny). So moto checks that the actions are
    complete; parliament and the read-back check the scoping."""
    statements = []
    for statement in document["Statement"]:
        statement = {k: v for k, v in statement.items() if k != "Condition"}
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if not all(a.startswith("s3:") for a in actions):
            statement["Resource"] = "*"
        statement["Action"] = sorted({name for action in actions for name in moto_names(action)})
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def grant_deployer(make, user, policy_arn):
    iam = make("iam")
    if policy_arn.startswith("arn:aws:iam::aws:policy/"):  # an AWS-managed policy, as it is
        iam.attach_user_policy(UserName=user, PolicyArn=policy_arn)
        return 0
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])
    document = version["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    moto = iam.create_policy(PolicyName=f"{policy['PolicyName']}-moto-form", PolicyDocument=json.dumps(moto_form(document)))
    iam.attach_user_policy(UserName=user, PolicyArn=moto["Policy"]["Arn"])
    # Against IAM's limit for a managed policy: 6,144 characters, whitespace aside.
    return len(json.dumps(document, separators=(",", ":")))


def create_operator(make, name):
    """Someone who applies: an IAM user, so STS names them by their own ARN."""
    iam = make("iam")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    json.dump(
        {"arn": user["Arn"], "access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]},
        sys.stdout,
    )


def api_gateway_account(make):
    ssm = make("ssm")
    marker = ssm.get_parameters_by_path(Path="/s3-latest/api-gateway")["Parameters"]
    return {
        "cloudwatch_role_arn": make("apigateway").get_account().get("cloudwatchRoleArn"),
        "markers": {p["Name"]: p["Value"] for p in marker},
    }


def main(argv):
    endpoint, region, command, name = argv[1:5]
    if command == "grant-deployer":
        sizes = [grant_deployer(clients(endpoint, region), name, arn) for arn in argv[5:]]
        json.dump({"sizes": sizes}, sys.stdout)
        return
    make = clients(endpoint, region)
    if command == "readback":
        facts = bootstrap(make) if name == "bootstrap" else environment(make, name)
        json.dump(facts, sys.stdout, indent=1, default=str)
    elif command == "readback-dr":
        json.dump(disaster_recovery(make, name), sys.stdout, indent=1, default=str)
    elif command == "unreachable-alarms":
        json.dump(unreachable_alarms(make, name), sys.stdout, indent=1)
    elif command == "api-gateway-account":
        json.dump(api_gateway_account(make), sys.stdout, indent=1)
    elif command == "create-zone":
        create_zone(make, name)
    elif command == "protections":
        json.dump(protections(make, name), sys.stdout, indent=1, default=str)
    elif command == "create-admin":
        create_admin(make, name)
    elif command == "create-operator":
        create_operator(make, name)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
