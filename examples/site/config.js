// Where the bantin API answers. "" = the origin that serves these pages
// (`bantin serve --site examples/site`). For an API on another origin write its
// address, e.g. "https://api.example.vn", and list this site's origin in the API's
// BANTIN_CORS_ORIGINS. This is the only setting the site has.
export const API_BASE = "";
