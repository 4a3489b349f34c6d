// Entry point (what create-react-app calls src/index.js).
require('./index.css');
var App = require('./App');

App.mount(document.getElementById('root'));
