// Tiny string-templating helpers shared by the pages (no DOM access, so the
// pages can also be rendered at build time for the prerendered routes).
var ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(value) {
  return String(value == null ? '' : value).replace(/[&<>"']/g, function (ch) {
    return ESCAPES[ch];
  });
}

function orUnset(value) {
  return value ? escapeHtml(value) : '<em>(not set)</em>';
}

module.exports = { escapeHtml: escapeHtml, orUnset: orUnset };
