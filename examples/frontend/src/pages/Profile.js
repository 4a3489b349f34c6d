// Loaded on demand via import(): ends up in its own JS + CSS chunk.
require('./Profile.css');
var html = require('../html');

function render(config) {
  return '<section class="Profile">' +
    '<h1>@andrewbrown</h1>' +
    '<p class="Profile-bio">Nested route: <code>users/profile/index.html</code>.</p>' +
    '<dl>' +
    '<dt>User pool</dt><dd>' + html.orUnset(config.awsUserPoolsId) + '</dd>' +
    '<dt>Client id</dt><dd>' + html.orUnset(config.clientId) + '</dd>' +
    '<dt>Activities API</dt><dd>' + html.orUnset(config.backendUrl && config.backendUrl + '/api/activities/@andrewbrown') + '</dd>' +
    '</dl></section>';
}

module.exports = { render: render };
