// What the panels share: escaping text into HTML, and fetching a file with the account's key
// to show it (PDFs, images, printable pages) or save it (a calendar file, a ZIP).

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Files users handed over: a PDF or an image opens in a new tab, anything else is saved (an HTML
// file must not open in our origin). Our own printable pages open.
const USER_FILE = /^\/v1\/(files\/|download-requests\/\d+\/file)/;

// Opens `path` in a new tab, or saves it as `download` when that is given.
export async function openWithKey(key, path, download) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`${response.status}`);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const viewable = /^(application\/pdf|image\/)/.test(blob.type) || !USER_FILE.test(path);
  if (download || !viewable) {
    const named = (response.headers.get("content-disposition") || "").split("''")[1];
    const name = download || (named ? decodeURIComponent(named) : "download");
    Object.assign(document.createElement("a"), { href: url, download: name }).click();
  } else {
    window.open(url, "_blank");
  }
}
