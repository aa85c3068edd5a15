// Shows and hides conditional questions as the respondent answers, without a reload.
//
// The server is the only evaluator of conditions: this script sends the form's current
// answers to the page's visibility URL and applies the list of hidden question ids it
// gets back. Without the script the page still works: conditions apply when it is posted.
(function () {
  "use strict";

  var DELAY_MS = 150; // one request per pause in typing, not one per key

  function start(form) {
    var url = form.getAttribute("data-visibility-url");
    var tokenInput = form.querySelector("input[name='csrf_token']");
    var token = tokenInput ? tokenInput.value : "";
    var timer = null;
    var latest = 0; // only the newest answer may change the page

    function apply(hidden) {
      var ids = new Set(hidden);
      // What the respondent sees now: a question shown here is no longer "new" on the post.
      var seen = form.querySelector("input[name='was_hidden']");
      if (seen) {
        seen.value = hidden.join(" ");
      }
      form.querySelectorAll("[data-question]").forEach(function (wrapper) {
        // `hidden` takes the question out of view, the tab order and the accessibility tree.
        wrapper.hidden = ids.has(wrapper.getAttribute("data-question"));
      });
    }

    async function refresh() {
      var number = ++latest;
      try {
        var response = await fetch(url, {
          method: "POST",
          body: new FormData(form),
          headers: {"X-CSRFToken": token, "Accept": "application/json"},
          credentials: "same-origin",
        });
        if (!response.ok) {
          return; // the post of the page still applies every condition
        }
        var data = await response.json();
        if (number === latest && Array.isArray(data.hidden)) {
          apply(data.hidden);
        }
      } catch (error) {
        // Offline or a server error: leave the page as it is; posting it still works.
      }
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    }

    form.addEventListener("change", later);
    form.addEventListener("input", later);
    refresh();
  }

  var form = document.querySelector("form[data-visibility-url]");
  if (form) {
    document.documentElement.classList.add("js");
    start(form);
  }
})();
