import "../lib/base.css";
document.getElementById("app")!.textContent = "dashboard";
