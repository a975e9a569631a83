/*
 * datalab embed host — include once in a page (a reveal.js deck, a course site) that shows datalab labs in
 * iframes:   <script src="https://<where the lab is served>/embed-host.js"></script>
 *
 * - It keeps each embedded lab's small state (what the student typed and chose) in this page's own storage.
 *   A lab on another site than the deck is often denied storage in its frame (Chromium: "Access is denied
 *   for this document"; Safari; Firefox's strict mode), and reveal.js unloads a lazy iframe whenever its
 *   slide is hidden: without a keeper the lab would come back empty.
 * - It sizes each lab's iframe to the height the lab reports (add data-datalab-noresize to an iframe to
 *   keep its size).
 *
 * Messages (all objects with a "type" starting "datalab:"), accepted only from an iframe of this page and
 * only from the origin that iframe was loaded from; each origin's state is kept apart:
 *   lab → host  {type: "datalab:hello", protocol: 1}        host → lab  {type: "datalab:kept", protocol: 1, items}
 *   lab → host  {type: "datalab:keep", key, value|null}
 *   lab → host  {type: "datalab:resize", height}
 */
(() => {
  "use strict";
  if (window.__datalabEmbedHost) return;
  window.__datalabEmbedHost = true;

  const PREFIX = "datalab-embed:";
  const MAX_BYTES = 1024 * 1024; // per origin: a slide's inputs, never a dataset
  const MAX_HEIGHT = 20000;
  const kept = new Map(); // origin → { key: value }

  function storage() {
    try {
      const s = window.localStorage;
      void s.length;
      return s;
    } catch {
      return null; // this page cannot store either: keep in memory while it is open
    }
  }

  function frameOf(source) {
    for (const f of document.querySelectorAll("iframe")) if (f.contentWindow === source) return f;
    return null;
  }

  function originOf(frame) {
    const src = frame.getAttribute("src") || frame.getAttribute("data-src") || "";
    try {
      return new URL(src, location.href).origin;
    } catch {
      return null;
    }
  }

  function itemsOf(origin) {
    if (!kept.has(origin)) {
      let items = {};
      const s = storage();
      if (s) {
        try {
          const v = JSON.parse(s.getItem(PREFIX + origin) || "{}");
          if (v && typeof v === "object" && !Array.isArray(v)) items = v;
        } catch {
          items = {};
        }
      }
      kept.set(origin, items);
    }
    return kept.get(origin);
  }

  function save(origin) {
    const s = storage();
    if (!s) return;
    try {
      s.setItem(PREFIX + origin, JSON.stringify(kept.get(origin)));
    } catch {
      // Quota: the state stays in memory for as long as this page is open.
    }
  }

  window.addEventListener("message", (e) => {
    const d = e.data;
    if (!d || typeof d !== "object" || typeof d.type !== "string" || !d.type.startsWith("datalab:")) return;
    const frame = frameOf(e.source);
    if (!frame) return;
    const origin = originOf(frame);
    if (!origin || origin !== e.origin) return;
    switch (d.type) {
      case "datalab:resize":
        if (typeof d.height === "number" && Number.isFinite(d.height) && d.height > 0) {
          if (!frame.hasAttribute("data-datalab-noresize")) {
            frame.style.height = Math.ceil(Math.min(d.height, MAX_HEIGHT)) + "px";
          }
        }
        break;
      case "datalab:hello":
        e.source.postMessage({ type: "datalab:kept", protocol: 1, items: itemsOf(origin) }, e.origin);
        break;
      case "datalab:keep": {
        if (typeof d.key !== "string") return;
        const items = itemsOf(origin);
        const before = items[d.key];
        if (d.value === null || d.value === undefined) delete items[d.key];
        else if (typeof d.value === "string") items[d.key] = d.value;
        else return;
        if (JSON.stringify(items).length > MAX_BYTES) {
          if (before === undefined) delete items[d.key];
          else items[d.key] = before;
          return;
        }
        save(origin);
        break;
      }
    }
  });
})();
