//! An API Gateway REST API (v1) proxy integration on one machine: each HTTP
//! request becomes the proxy event JSON API Gateway would send, goes through
//! the same `lambda_http` adapter the Lambda runtime uses, and the proxy
//! response JSON becomes the HTTP response.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayProxyRequest, ApiGatewayProxyRequestContext, ApiGatewayRequestIdentity,
};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Body, Context, LambdaEvent, Request, RequestExt, Service, service_fn};
use serde_json::Value;

/// The proxy event API Gateway sends for `method path?query`, under `stage`,
/// as `lambda_http`'s own event type. A caller that needs the JSON the
/// Runtime API carries serialises it with `serde_json::to_value`.
pub fn proxy_event(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    body: &[u8],
    stage: &str,
    request_id: &str,
) -> ApiGatewayProxyRequest {
    let full_path = uri.path();
    // API Gateway strips the stage from `path` and keeps it in `requestContext.path`.
    let path = full_path
        .strip_prefix(&format!("/{stage}"))
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or(full_path);
    let resource = if path == s3_latest::retrieve::ROUTE || path == s3_latest::retrieve::JSON_VIEW_ROUTE {
        path
    } else {
        "/{proxy+}"
    };

    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        query.entry(name.into_owned()).or_default().push(value.into_owned());
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (None, false),
        Ok(text) => (Some(text.to_owned()), false),
        Err(_) => (Some(BASE64.encode(body)), true),
    };

    let mut identity = ApiGatewayRequestIdentity::default();
    identity.source_ip = Some("127.0.0.1".into());
    identity.user_agent = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut context = ApiGatewayProxyRequestContext::default();
    context.account_id = Some("000000000000".into());
    context.resource_id = Some("local".into());
    context.stage = Some(stage.to_owned());
    context.request_id = Some(request_id.to_owned());
    context.identity = identity;
    context.resource_path = Some(resource.to_owned());
    context.http_method = method.clone();
    context.apiid = Some("local".into());
    context.path = Some(full_path.to_owned());
    context.protocol = Some("HTTP/1.1".into());
    context.request_time_epoch = chrono::Utc::now().timestamp_millis();

    let mut event = ApiGatewayProxyRequest::default();
    event.resource = Some(resource.to_owned());
    event.path = Some(path.to_owned());
    event.http_method = method.clone();
    event.headers = headers.clone();
    event.multi_value_headers = headers.clone();
    event.query_string_parameters = QueryMap::from(query.clone());
    event.multi_value_query_string_parameters = QueryMap::from(query);
    event.request_context = context;
    event.body = body;
    event.is_base64_encoded = is_base64;
    event
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the proxy response is malformed: {0}")]
    Response(String),
}

/// A new request id, shaped like API Gateway's (a random UUID).
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Runs `handler` on `event` exactly as the Lambda runtime would, and turns
/// the proxy response JSON back into an HTTP response.
pub async fn invoke<F, Fut>(
    handler: F,
    event: ApiGatewayProxyRequest,
    request_id: &str,
) -> Result<http::Response<Bytes>, ProxyError>
where
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = http::Response<Body>> + Send,
{
    let request = LambdaRequest::ApiGatewayV1(event);
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    let mut adapter = Adapter::from(service_fn(|request: Request| {
        let response = handler(request);
        async move { Ok::<_, lambda_http::Error>(response.await) }
    }));
    let response = adapter
        .call(LambdaEvent::new(request, context))
        .await
        .map_err(|e| ProxyError::Response(e.to_string()))?;
    let payload = serde_json::to_value(&response).map_err(|e| ProxyError::Response(e.to_string()))?;
    proxy_response(&payload)
}

/// Runs `handler` on `event` as the Lambda runtime does for a streaming
/// function (`run_with_streaming_response`), for a REST integration in
/// STREAM transfer mode: the same request conversion, and the response's
/// status and headers (the stream's metadata prelude) and body as the
/// handler made them, streamed on.
pub async fn invoke_streaming<F, Fut, B>(
    handler: F,
    event: ApiGatewayProxyRequest,
    request_id: &str,
) -> http::Response<B>
where
    F: Fn(Request) -> Fut,
    Fut: std::future::Future<Output = http::Response<B>> + Send,
{
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    let request: Request = LambdaRequest::ApiGatewayV1(event).into();
    handler(request.with_lambda_context(context)).await
}

/// API Gateway's side of a proxy integration response.
pub fn proxy_response(payload: &Value) -> Result<http::Response<Bytes>, ProxyError> {
    let status = payload["statusCode"]
        .as_u64()
        .ok_or_else(|| ProxyError::Response("no statusCode".into()))?;
    let mut response = http::Response::builder().status(status as u16);
    if let Some(headers) = payload["headers"].as_object() {
        for (name, value) in headers {
            response = response.header(name, value.as_str().unwrap_or_default());
        }
    }
    if let Some(headers) = payload["multiValueHeaders"].as_object() {
        for (name, values) in headers {
            for value in values.as_array().into_iter().flatten() {
                response = response.header(name, value.as_str().unwrap_or_default());
            }
        }
    }
    let body = match (
        payload["body"].as_str(),
        payload["isBase64Encoded"].as_bool().unwrap_or(false),
    ) {
        (None, _) => Bytes::new(),
        (Some(text), false) => Bytes::copy_from_slice(text.as_bytes()),
        (Some(encoded), true) => Bytes::from(
            BASE64
                .decode(encoded)
                .map_err(|_| ProxyError::Response("body is not base64".into()))?,
        ),
    };
    response.body(body).map_err(|e| ProxyError::Response(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_carries_stage_path_query_and_headers_like_api_gateway() {
        let uri: http::Uri = "/dev/retrieve_most_recent_object?format=json&a=b%20c".parse().unwrap();
        let mut headers = http::HeaderMap::new();
        headers.insert("if-none-match", "\"x\"".parse().unwrap());
        // As the Runtime API carries it: JSON that lambda_http reads back.
        let event = serde_json::to_value(proxy_event(&http::Method::GET, &uri, &headers, b"", "dev", "rid")).unwrap();
        assert_eq!(event["path"], "/retrieve_most_recent_object");
        assert_eq!(event["resource"], "/retrieve_most_recent_object");
        assert_eq!(event["requestContext"]["path"], "/dev/retrieve_most_recent_object");
        assert_eq!(event["queryStringParameters"]["format"], "json");
        assert_eq!(event["queryStringParameters"]["a"], "b c");
        assert_eq!(event["multiValueHeaders"]["if-none-match"][0], "\"x\"");
        let parsed: LambdaRequest = serde_json::from_value(event).unwrap();
        assert!(matches!(parsed, LambdaRequest::ApiGatewayV1(_)));
    }
}
