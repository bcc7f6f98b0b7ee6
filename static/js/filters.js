// Filters apply as you change them. Without scripting the form's own button submits it; with
// scripting the button is hidden (html.js) and a change submits the form, leaving empty fields
// out of the address so it stays short. A static file: the CSP allows no inline script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function submit(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "") { field.disabled = true; }
    });
    form.submit();
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"), function (form) {
    form.addEventListener("change", function (event) {
      var field = event.target;
      if (field.type === "number" && !field.checkValidity()) { return; }
      submit(form);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form);
    });
  });
}());
