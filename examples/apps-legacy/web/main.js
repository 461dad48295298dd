document.querySelector("#status").textContent = "hello from web (script loaded)";
