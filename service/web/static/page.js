// Print and share buttons (the page works without this file; it only adds the buttons' actions).
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.addEventListener("click", function () { window.print(); });
});
document.querySelectorAll("[data-share]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () {
    var url = b.getAttribute("data-share");
    if (navigator.share) { navigator.share({ title: document.title, url: url }).catch(function () {}); }
    else if (navigator.clipboard) {
      navigator.clipboard.writeText(url).then(function () { b.textContent = "Tautan disalin"; });
    }
  });
});
