// Route table. The build prerenders every route except "/" into
// <path>/index.html so that deep links work without a rewrite rule.
var Home = require('./pages/Home');
var About = require('./pages/About');

module.exports = [
  { path: '/', title: 'Home', load: function () { return Promise.resolve(Home); } },
  { path: '/about', title: 'About', load: function () { return Promise.resolve(About); } },
  {
    path: '/users/profile',
    title: 'Profile',
    // Code-split: becomes static/js/<id>.<hash>.chunk.js (+ a CSS chunk).
    load: function () { return import('./pages/Profile'); },
  },
];
