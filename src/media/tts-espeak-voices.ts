/**
 * FreeClimb `language` values (BCP 47 tags such as "en-US") to eSpeak NG voice names. Unknown or
 * missing languages speak US English rather than fail: a prompt in the wrong accent beats silence.
 */
export const DEFAULT_VOICE = "en-us";

/** Regional variants eSpeak names differently from the tag. */
const BY_TAG = new Map<string, string>(
  Object.entries({
    "en-us": "en-us",
    "en-ca": "en-us",
    "en-gb": "en-gb",
    "en-au": "en-gb",
    "en-nz": "en-gb",
    "en-ie": "en-gb",
    "en-in": "en-gb",
    "en-za": "en-gb",
    "es-es": "es",
    "es-mx": "es-419",
    "es-us": "es-419",
    "es-419": "es-419",
    "fr-fr": "fr",
    "fr-ca": "fr",
    "fr-be": "fr-be",
    "fr-ch": "fr-ch",
    "pt-br": "pt-br",
    "pt-pt": "pt",
    "zh-cn": "cmn",
    "zh-tw": "cmn",
    "zh-hk": "yue",
    "cmn-cn": "cmn",
    "yue-hk": "yue",
  }),
);

/** Voices shipped with the espeak-ng package, by primary language subtag. */
const BY_LANGUAGE = new Map<string, string>([
  ["en", "en-us"],
  ["zh", "cmn"],
  ["no", "nb"],
  ...(
    "af am ar az bg bn bs ca cmn cs cy da de el eo es et eu fa fi fr ga gd gu he hi hr hu hy id is it ja ka kk " +
    "kn ko ky lt lv mk ml mr ms mt my nb ne nl pa pl pt ro ru si sk sl sq sr sv sw ta te th tr uk ur uz vi yue"
  )
    .split(" ")
    .map((code): [string, string] => [code, code]),
]);

export function espeakVoiceFor(language: string | undefined): string {
  if (!language) return DEFAULT_VOICE;
  const tag = language.trim().toLowerCase().replace(/_/g, "-");
  const primary = tag.split("-")[0] ?? "";
  return BY_TAG.get(tag) ?? BY_LANGUAGE.get(primary) ?? DEFAULT_VOICE;
}
