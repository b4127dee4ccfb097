// Stand-in for the Vue build: writes the site into build/.
const fs = require("fs");
fs.mkdirSync("build", { recursive: true });
fs.copyFileSync("src/index.html", "build/index.html");
console.log("built build/index.html");
