// Until the screens land: tell whether the API answers.
const status = document.getElementById("status");
fetch("/healthz")
  .then((response) => {
    status.textContent = response.ok ? "The API is up." : "The API is not answering.";
  })
  .catch(() => {
    status.textContent = "The API is not reachable.";
  });
