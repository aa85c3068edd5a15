// Line numbers beside the workspace's text areas (issue 15): the problems name lines, so
// the author sees them while typing. Without JavaScript the text area works as it is.
(function () {
  "use strict";
  function attach(area) {
    var wrap = document.createElement("div");
    wrap.className = "line-numbered";
    var gutter = document.createElement("div");
    gutter.className = "gutter";
    gutter.setAttribute("aria-hidden", "true");
    area.parentNode.insertBefore(wrap, area);
    wrap.appendChild(gutter);
    wrap.appendChild(area);
    var shown = 0;
    function update() {
      var count = area.value.split("\n").length;
      if (count !== shown) {
        var numbers = [];
        for (var i = 1; i <= count; i++) { numbers.push(i); }
        gutter.textContent = numbers.join("\n");
        shown = count;
      }
      gutter.scrollTop = area.scrollTop;
    }
    area.addEventListener("input", update);
    area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
    area.setAttribute("wrap", "off");
    update();
  }
  document.querySelectorAll("textarea[data-line-numbers]").forEach(attach);
})();
