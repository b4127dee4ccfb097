// Stand-in for the Vite build: copies the app into dist/.
const fs = require("fs");
fs.mkdirSync("dist", { recursive: true });
fs.copyFileSync("src/index.html", "dist/index.html");
console.log("built dist/index.html");
