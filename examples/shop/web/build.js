// Stand-in for the Vue build: writes the site into dist/.
const fs = require("fs");
fs.mkdirSync("dist", { recursive: true });
fs.copyFileSync("src/index.html", "dist/index.html");
console.log("built dist/index.html");
