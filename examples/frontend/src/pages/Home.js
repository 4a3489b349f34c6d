var html = require('../html');
var badge = require('../assets/logo.png');
var menu = require('../assets/café menu.svg');

function render(config) {
  return '<h1><img src="' + badge + '" alt="" width="32" height="32" /> Home</h1>' +
    '<p>Micro-blogging for the ephemeral. Talking to <code>' + html.orUnset(config.backendUrl) + '</code>.</p>' +
    '<figure><img src="' + html.escapeHtml(menu) + '" alt="Café menu" width="160" height="90" />' +
    '<figcaption>Today at the café</figcaption></figure>';
}

module.exports = { render: render };
