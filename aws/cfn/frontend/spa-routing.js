// SPA routing at the edge (CloudFront Function, cloudfront-js-2.0, viewer request).
// Client-side routes have no file extension: /users/profile is served /index.html, so the
// router runs. A directory path /about/ is served /about/index.html (a pre-rendered page; a
// missing one is a real 404). Anything with an extension is passed through untouched, so a
// missing asset (/static/js/202.0ld.chunk.js) is a real 404 instead of HTML with status 200,
// which browsers would fail to parse as JavaScript.
// The copy inlined in template.yaml (SpaRoutingFunction) must equal this file: a unit test checks it.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.charAt(uri.length - 1) === "/") {
    request.uri = uri + "index.html";
    return request;
  }
  var name = uri.substring(uri.lastIndexOf("/") + 1);
  if (name.indexOf(".") === -1) {
    request.uri = "/index.html";
  }
  return request;
}
