var html = require('../html');

function render(config) {
  return '<h1>About</h1>' +
    '<p>This page is prerendered at build time into <code>about/index.html</code>.</p>' +
    '<dl>' +
    '<dt>Frontend URL</dt><dd>' + html.orUnset(config.frontendUrl) + '</dd>' +
    '<dt>AWS region</dt><dd>' + html.orUnset(config.awsProjectRegion) + '</dd>' +
    '</dl>';
}

module.exports = { render: render };
