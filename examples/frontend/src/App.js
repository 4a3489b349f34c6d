var config = require('./config');
var routes = require('./routes');
var html = require('./html');
var logo = require('./assets/logo.svg');

var NOT_FOUND = { path: null, title: 'Not found', load: function () {
  return Promise.resolve({ render: function () { return '<h1>404</h1><p>Nothing here.</p>'; } });
} };

function stripBase(pathname) {
  var base = config.publicUrl || '';
  if (base && pathname.indexOf(base) === 0) pathname = pathname.slice(base.length);
  pathname = pathname.replace(/\/index\.html$/, '/').replace(/\/+$/, '');
  return pathname || '/';
}

function matchRoute(pathname) {
  var wanted = stripBase(pathname);
  for (var i = 0; i < routes.length; i++) {
    if (routes[i].path === wanted) return routes[i];
  }
  return NOT_FOUND;
}

function shell(route, pageHtml) {
  var nav = routes.map(function (r) {
    var current = r === route ? ' aria-current="page"' : '';
    return '<a data-link href="' + html.escapeHtml(config.publicUrl + r.path) + '"' + current + '>' +
      html.escapeHtml(r.title) + '</a>';
  }).join('');
  return '<header class="App-header">' +
    '<img src="' + logo + '" class="App-logo" alt="Cruddur logo" width="40" height="40" />' +
    '<span class="App-name">Cruddur</span><nav>' + nav + '</nav></header>' +
    '<main class="App-main" id="page">' + pageHtml + '</main>';
}

// Used by the build to prerender routes (runs in a sandbox without a DOM).
function renderToString(pathname) {
  var route = matchRoute(pathname);
  return route.load().then(function (page) {
    return { title: route.title, html: shell(route, page.render(config)) };
  });
}

function mount(root) {
  function render() {
    return renderToString(window.location.pathname).then(function (result) {
      document.title = result.title + ' | Cruddur';
      root.innerHTML = result.html;
    });
  }
  root.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-link]');
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    window.history.pushState(null, '', link.getAttribute('href'));
    render();
  });
  window.addEventListener('popstate', render);
  return render();
}

module.exports = { mount: mount, renderToString: renderToString, matchRoute: matchRoute };
