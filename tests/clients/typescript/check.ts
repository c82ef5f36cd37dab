// A client generated from docs/openapi.yaml by openapi-typescript, called
// through openapi-fetch as a consumer would, against local mode:
//
//   node out/check.js BASE_URL CASE [EXPECTED_FILE CONTENT_TYPE]
//
// CASE is `empty` (no snapshot yet) or a snapshot's kind. The compiler
// checks the types (tsc --strict, no casts): the JSON view is a JsonView,
// an error's code is its response's enum.
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type JsonView = components["schemas"]["JsonView"];
type NotFoundCode = components["schemas"]["NotFoundError"]["error"]["code"];

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

const [base, kase, expectedFile, contentType] = process.argv.slice(2);
check(base && kase, "usage: check.js BASE_URL CASE [EXPECTED_FILE CONTENT_TYPE]");
const client = createClient<paths>({ baseUrl: base });

if (kase === "empty") {
  const { data, error, response } = await client.GET("/retrieve_most_recent_object/json");
  check(response.status === 404 && data === undefined && error !== undefined, `json view: ${response.status}`);
  check("error" in error, "an error body");
  const code: NotFoundCode | string = error.error.code;
  check(code === "NoObjects", `code ${code}`);
  const health = await client.GET("/health");
  check(health.response.status === 503 && health.error !== undefined && "status" in health.error, "health 503");
  check(health.error.status === "unavailable", `health ${health.error.status}`);
} else {
  check(expectedFile && contentType, "a snapshot case needs its bytes and type");
  const want = new Uint8Array(readFileSync(expectedFile));

  const raw = await client.GET("/retrieve_most_recent_object", { parseAs: "arrayBuffer" });
  check(raw.response.status === 200 && raw.data !== undefined, `raw: ${raw.response.status}`);
  const got = new Uint8Array(raw.data);
  check(got.length === want.length && got.every((b, i) => b === want[i]), "the raw bytes are the snapshot");
  check(raw.response.headers.get("content-type") === contentType, "raw content type");

  const json = await client.GET("/retrieve_most_recent_object/json");
  check(json.data !== undefined, `json view: ${json.response.status}`);
  const view: JsonView = json.data;
  const body =
    view.encoding === "base64" ? new Uint8Array(Buffer.from(view.body, "base64")) : new TextEncoder().encode(view.body);
  check(body.length === want.length && body.every((b, i) => b === want[i]), "the JSON view's body is the snapshot");
  check(view.size === want.length && view.content_type === contentType, "the JSON view's size and type");
  check(view.etag === raw.response.headers.get("etag"), "one ETag");

  const again = await client.GET("/retrieve_most_recent_object", {
    params: { header: { "If-None-Match": view.etag } },
    parseAs: "arrayBuffer",
  });
  check(again.response.status === 304, `revalidation: ${again.response.status}`);

  const head = await client.HEAD("/retrieve_most_recent_object");
  check(head.response.status === 200 && head.response.headers.get("x-object-key") === view.key, "HEAD");

  const health = await client.GET("/health");
  check(health.data?.status === "ok", `health: ${health.response.status}`);
}
console.log("typescript client: ok");
