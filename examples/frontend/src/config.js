// Inlined at build time from the environment, exactly like create-react-app:
// every process.env reference to a REACT_APP_ variable is replaced by a
// string literal. Variables that are not set become "".
module.exports = {
  backendUrl: process.env.REACT_APP_BACKEND_URL,
  frontendUrl: process.env.REACT_APP_FRONTEND_URL,
  awsProjectRegion: process.env.REACT_APP_AWS_PROJECT_REGION,
  awsUserPoolsId: process.env.REACT_APP_AWS_USER_POOLS_ID,
  clientId: process.env.REACT_APP_CLIENT_ID,
  publicUrl: process.env.PUBLIC_URL,
  mode: process.env.NODE_ENV,
};
