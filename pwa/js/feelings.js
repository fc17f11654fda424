// The check-in's words: feelings grouped by energy and pleasantness (the
// server's FEELINGS in server/journal/models.py, word for word), and the
// patient's own tags (an activity, a person, a place), offered again.

import { api } from "./api.js";
import { h, uid } from "./dom.js";
import { tags } from "./scale.js";

export const FEELINGS = {
  "energised and pleasant": ["joyful", "hopeful", "curious", "excited", "inspired", "alive", "playful", "proud"],
  "calm and pleasant": [
    "calm", "peaceful", "grateful", "content", "relieved", "loving", "connected", "open", "tender", "clear", "floaty",
  ],
  "low energy and unpleasant": [
    "tired", "numb", "sad", "grieving", "lonely", "disconnected", "empty", "ashamed", "confused", "foggy",
  ],
  "energised and unpleasant": ["anxious", "afraid", "restless", "irritable", "angry", "overwhelmed", "raw", "on edge"],
};

const GROUP_TITLES = {
  "energised and pleasant": "Lively and pleasant",
  "calm and pleasant": "Calm and pleasant",
  "low energy and unpleasant": "Low and heavy",
  "energised and unpleasant": "Stirred up and hard",
};

/** Every feeling word, one group of chips each, under one legend. */
export function feelingsPicker() {
  return h(
    "fieldset",
    { class: "feelings" },
    h("legend", {}, "Feelings you notice"),
    Object.entries(FEELINGS).map(([group, words]) =>
      tags({ name: "emotions", legend: GROUP_TITLES[group], options: words }),
    ),
  );
}

const TAG_MAX = 40;
const TAGS_MAX = 10;

/**
 * My own tags: chips of the ones I used before (read from the server, never
 * kept on the phone) and a box to add a new one. `values()` gives the chosen.
 */
export function tagPicker() {
  const chips = h("div", { class: "chips" });
  const inputId = uid("tag");
  const input = h("input", { type: "text", id: inputId, maxlength: String(TAG_MAX), autocomplete: "off" });
  const add = h("button", { type: "button" }, "Add");
  const hint = h("p", { class: "hint", id: uid("hint") }, "An activity, a person or a place. Only you and, if you share, your therapist see them.");
  input.setAttribute("aria-describedby", hint.id);
  const known = new Set();
  const chip = (word, checked) => {
    known.add(word.toLowerCase());
    chips.append(
      h("label", { class: "choice" }, h("input", { type: "checkbox", name: "tags", value: word, checked: checked || null }), h("span", {}, word)),
    );
  };
  const addTyped = () => {
    const word = input.value.split(/\s+/).filter(Boolean).join(" ");
    if (!word) return;
    const existing = [...chips.querySelectorAll("input")].find((box) => box.value.toLowerCase() === word.toLowerCase());
    if (existing) existing.checked = true;
    else chip(word, true);
    input.value = "";
    input.focus();
  };
  add.addEventListener("click", addTyped);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addTyped();
    }
  });
  // Offline, the earlier tags simply do not show; a new one can still be typed.
  api("/checkins/tags")
    .then((answer) => (answer?.items || []).forEach((word) => known.has(word.toLowerCase()) || chip(word, false)))
    .catch(() => {});
  const fieldset = h(
    "fieldset",
    { class: "my-tags" },
    h("legend", {}, "My tags"),
    chips,
    h("div", { class: "field" }, h("label", { for: inputId }, "A new tag"), h("div", { class: "actions" }, input, add)),
    hint,
  );
  return {
    element: fieldset,
    values: () => [...chips.querySelectorAll("input:checked")].map((box) => box.value).slice(0, TAGS_MAX),
  };
}
