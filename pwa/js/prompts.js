// Prompts of the day and due questionnaires. Prompt wording is not health
// data; it is kept on the device so a prompt can be answered offline.

import { api } from "./api.js";
import { getValue, setValue } from "./db.js";

function list(answer) {
  return Array.isArray(answer) ? answer : answer?.items || [];
}

/** Said under every prompt: none has to be answered. */
export const SKIP_LINE = "Skip this if it is too much today. It is fine to leave it, or to write freely instead.";

export function promptText(prompt) {
  return prompt?.text || prompt?.body || prompt?.question || prompt?.title || "";
}

export async function duePrompts() {
  const prompts = list(await api("/prompts/due")).filter((prompt) => prompt?.id && promptText(prompt));
  // An intention coming back holds the patient's own words: it is not kept
  // here in the clear (the sealed companion summary has it for offline).
  await setValue("prompts", prompts.filter((prompt) => !isIntention(prompt))).catch(() => {});
  return prompts;
}

/** A due prompt that is the patient's intention coming back ("did it show up?"). */
export function isIntention(prompt) {
  return prompt?.source === "intention";
}

export async function cachedPrompts() {
  return (await getValue("prompts").catch(() => null)) || [];
}

export async function findPrompt(id) {
  const known = (await cachedPrompts()).find((prompt) => String(prompt.id) === String(id));
  if (known) return known;
  try {
    return (await duePrompts()).find((prompt) => String(prompt.id) === String(id)) || null;
  } catch {
    return null;
  }
}

export const INSTRUMENTS = {
  phq9: { name: "PHQ-9", about: "Mood over the last 2 weeks", items: 9 },
  gad7: { name: "GAD-7", about: "Worry and anxiety over the last 2 weeks", items: 7 },
  pcl5: { name: "PCL-5", about: "Stress after difficult experiences, over the last month", items: 20 },
};

/** Instruments due now, as ids like "phq9". */
export async function dueMeasures() {
  return (await dueWithReasons()).map((item) => item.id);
}

/** What is due, each with the server's words for why ("end of your treatment series"). */
export async function dueWithReasons() {
  return list(await api("/measures/due"))
    .map((item) => (typeof item === "string" ? { id: item, why: "" } : { id: item?.instrument, why: item?.reason_text || "" }))
    .filter((item) => item.id in INSTRUMENTS);
}

/** Keep each questionnaire's wording on the device, so it can be answered offline. */
export async function keepDefinitions() {
  for (const id of Object.keys(INSTRUMENTS)) {
    if (await getValue(`def:${id}`).catch(() => null)) continue;
    await setValue(`def:${id}`, await api(`/measures/${id}`));
  }
}
