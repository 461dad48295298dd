document.querySelector("#status").textContent = "hello from dashboard (script loaded)";
