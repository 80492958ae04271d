// What the panels share: escaping text into HTML, and fetching a file with the account's key
// to show it (PDFs, images, printable pages) or save it (a calendar file, a ZIP).

export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Opens `path` in a new tab, or saves it as `download` when that is given.
export async function openWithKey(key, path, download) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${key}` } });
  if (!response.ok) throw new Error(`${response.status}`);
  const url = URL.createObjectURL(await response.blob());
  if (download) {
    Object.assign(document.createElement("a"), { href: url, download }).click();
  } else {
    window.open(url, "_blank");
  }
}
