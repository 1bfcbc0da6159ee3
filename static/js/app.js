// Small progressive enhancements; the pages work without JavaScript.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("[data-autosubmit]")) el.form.submit();
});
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle='sidebar']");
  if (toggle) document.getElementById("sidebar").classList.toggle("open");
  const confirmEl = event.target.closest("[data-confirm]");
  if (confirmEl && !window.confirm(confirmEl.dataset.confirm)) event.preventDefault();
});
