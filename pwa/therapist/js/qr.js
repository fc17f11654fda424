// QR codes drawn with DOM APIs from the vendored encoder (vendor/uqr.js, MIT):
// dark modules on a white square with the quiet zone the standard asks for,
// so phones read it in dark mode too.

import { s } from "/js/dom.js";
import { encode } from "../vendor/uqr.js";

/** An <svg role="img"> QR code of `text`, named `label` for screen readers. */
export function qrCode(text, label) {
  const { size, data } = encode(text, { ecc: "M", border: 4 });
  let d = "";
  data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return s(
    "svg",
    { class: "qr", viewBox: `0 0 ${size} ${size}`, role: "img", "aria-label": label, "shape-rendering": "crispEdges" },
    s("rect", { width: size, height: size, fill: "#fff" }),
    s("path", { d, fill: "#000" }),
  );
}
