//! How the gateway's nginx config reaches its task. A config that fits travels inside the task
//! definition (an environment variable, base64); one that does not (ECS caps a task definition
//! at 64 KiB) is an S3 object that a short-lived container copies into a volume the gateway
//! reads. Either way nothing is baked into an image, and a new config makes a new task
//! definition revision, so ECS rolls the gateway.

use super::hcl::{array, block, expr, number, object, string};
use ::hcl::{Block, Expression};

/// The gateway's nginx config, beside the module's `.tf` files.
pub const GATEWAY_CONFIG: &str = "gateway/nginx.conf";

/// What fits in a task definition with room to spare: the config travels base64-encoded (4/3).
pub const MAX_INLINE: usize = 40 * 1024;
/// The AWS CLI from ECR Public, pinned, to fetch a config from S3.
pub const DEFAULT_FETCH_IMAGE: &str = "public.ecr.aws/aws-cli/aws-cli:2.22.35";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// An environment variable of the gateway container.
    Inline,
    /// An S3 object, fetched into a task volume before nginx starts.
    S3,
}

impl Delivery {
    pub fn for_size(bytes: usize) -> Delivery {
        if bytes > MAX_INLINE {
            Delivery::S3
        } else {
            Delivery::Inline
        }
    }
}

fn port_mappings() -> Expression {
    array(vec![object(vec![
        ("name", string("http")),
        ("containerPort", number(80)),
        ("protocol", string("tcp")),
    ])])
}

/// The container definitions of the gateway task.
pub fn containers(delivery: Delivery) -> Result<Vec<Expression>, String> {
    let logging = super::ecs::logging(super::GATEWAY)?;
    Ok(match delivery {
        Delivery::Inline => {
            let command = "echo \"$NGINX_CONF\" | base64 -d > /etc/nginx/nginx.conf && exec nginx -g 'daemon off;'";
            vec![object(vec![
                ("name", string("gateway")),
                ("image", expr("var.gateway_image")?),
                ("essential", Expression::Bool(true)),
                ("portMappings", port_mappings()),
                (
                    "environment",
                    array(vec![object(vec![
                        ("name", string("NGINX_CONF")),
                        (
                            "value",
                            expr(&format!(
                                "filebase64(\"${{path.module}}/{GATEWAY_CONFIG}\")"
                            ))?,
                        ),
                    ])]),
                ),
                ("entryPoint", array(vec![string("sh"), string("-c")])),
                ("command", array(vec![string(command)])),
                ("logConfiguration", logging),
            ])]
        }
        Delivery::S3 => {
            let volume = |path: &str, read_only: bool| {
                array(vec![object(vec![
                    ("sourceVolume", string("config")),
                    ("containerPath", string(path)),
                    ("readOnly", Expression::Bool(read_only)),
                ])])
            };
            vec![
                object(vec![
                    ("name", string("config")),
                    ("image", expr("var.gateway_config_fetch_image")?),
                    ("essential", Expression::Bool(false)),
                    (
                        "command",
                        array(vec![
                            string("s3"),
                            string("cp"),
                            expr(
                                "\"s3://${aws_s3_object.gateway_config.bucket}/${aws_s3_object.gateway_config.key}\"",
                            )?,
                            string("/config/nginx.conf"),
                        ]),
                    ),
                    ("mountPoints", volume("/config", false)),
                    ("logConfiguration", super::ecs::logging(super::GATEWAY)?),
                ]),
                object(vec![
                    ("name", string("gateway")),
                    ("image", expr("var.gateway_image")?),
                    ("essential", Expression::Bool(true)),
                    ("portMappings", port_mappings()),
                    (
                        "dependsOn",
                        array(vec![object(vec![
                            ("containerName", string("config")),
                            ("condition", string("SUCCESS")),
                        ])]),
                    ),
                    ("mountPoints", volume("/etc/nginx/svc", true)),
                    // The object's ETag makes a changed config a new revision, so ECS rolls.
                    (
                        "environment",
                        array(vec![object(vec![
                            ("name", string("SVC_CONFIG_ETAG")),
                            ("value", expr("aws_s3_object.gateway_config.etag")?),
                        ])]),
                    ),
                    (
                        "command",
                        array(vec![
                            string("nginx"),
                            string("-c"),
                            string("/etc/nginx/svc/nginx.conf"),
                            string("-g"),
                            string("daemon off;"),
                        ]),
                    ),
                    ("logConfiguration", logging),
                ]),
            ]
        }
    })
}

/// The bucket, the object and the task role that may read it (S3 delivery only).
pub fn storage() -> Result<Vec<Block>, String> {
    let assume = "jsonencode({\n Version = \"2012-10-17\"\n Statement = [{\n Effect = \"Allow\"\n Principal = { Service = \"ecs-tasks.amazonaws.com\" }\n Action = \"sts:AssumeRole\"\n }]\n })";
    let policy = "jsonencode({\n Version = \"2012-10-17\"\n Statement = [{\n Effect = \"Allow\"\n Action = \"s3:GetObject\"\n Resource = \"${aws_s3_bucket.gateway_config.arn}/${aws_s3_object.gateway_config.key}\"\n }]\n })";
    Ok(vec![
        block("resource", &["aws_s3_bucket", "gateway_config"])
            .raw("bucket_prefix", "\"${var.name}-gateway-\"")?
            .attr("force_destroy", Expression::Bool(true))
            .build(),
        block(
            "resource",
            &["aws_s3_bucket_public_access_block", "gateway_config"],
        )
        .raw("bucket", "aws_s3_bucket.gateway_config.id")?
        .attr("block_public_acls", Expression::Bool(true))
        .attr("block_public_policy", Expression::Bool(true))
        .attr("ignore_public_acls", Expression::Bool(true))
        .attr("restrict_public_buckets", Expression::Bool(true))
        .build(),
        block("resource", &["aws_s3_object", "gateway_config"])
            .raw("bucket", "aws_s3_bucket.gateway_config.id")?
            .str("key", "nginx.conf")
            .raw("source", &format!("\"${{path.module}}/{GATEWAY_CONFIG}\""))?
            .raw(
                "etag",
                &format!("filemd5(\"${{path.module}}/{GATEWAY_CONFIG}\")"),
            )?
            .build(),
        block("resource", &["aws_iam_role", "gateway_task"])
            // Role names are account-wide: a prefix gets a unique suffix, so the same `name` in
            // two regions does not collide.
            .raw("name_prefix", "\"${var.name}-gateway-task-\"")?
            .raw("assume_role_policy", assume)?
            .build(),
        block("resource", &["aws_iam_role_policy", "gateway_task"])
            .str("name", "read-gateway-config")
            .raw("role", "aws_iam_role.gateway_task.id")?
            .raw("policy", policy)?
            .build(),
    ])
}
