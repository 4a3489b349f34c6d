// node --test aws/cfn/frontend/spa-routing.test.js: the CloudFront Function on sample viewer-request events.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

// Loaded the way CloudFront runs it: a plain script defining `handler`, no module system.
const context = {};
vm.runInNewContext(fs.readFileSync(path.join(__dirname, "spa-routing.js"), "utf8"), context);

function event(uri) {
  return {
    version: "1.0",
    context: { eventType: "viewer-request", distributionId: "EDFDVBD6EXAMPLE", requestId: "r1" },
    viewer: { ip: "198.51.100.11" },
    request: { method: "GET", uri: uri, querystring: { utm: { value: "x" } }, headers: {}, cookies: {} },
  };
}

function routed(uri) {
  return context.handler(event(uri)).uri;
}

test("client-side routes are served index.html", () => {
  assert.equal(routed("/users/profile"), "/index.html");
  assert.equal(routed("/signin"), "/index.html");
  assert.equal(routed("/@andrewbrown/status/12"), "/index.html");
});

test("directories get their index.html", () => {
  assert.equal(routed("/"), "/index.html");
  assert.equal(routed("/about/"), "/about/index.html");
});

test("files keep their path, so a missing asset is a real 404", () => {
  assert.equal(routed("/static/js/202.0ld0ld00.chunk.js"), "/static/js/202.0ld0ld00.chunk.js");
  assert.equal(routed("/manifest.json"), "/manifest.json");
  assert.equal(routed("/about/index.html"), "/about/index.html");
  assert.equal(routed("/.well-known/assetlinks.json"), "/.well-known/assetlinks.json");
});

test("the rest of the request is passed on unchanged", () => {
  const request = context.handler(event("/users/profile"));
  assert.deepEqual(request.querystring, { utm: { value: "x" } });
  assert.equal(request.method, "GET");
});
