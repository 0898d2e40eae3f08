import fc from "fast-check";
import { expect, test } from "vitest";
import { queryWords, searchTerms, words } from "./search-terms";

test("words are lower-cased, unaccented, and split on anything that is not a letter or digit", () => {
  expect(words("Café-Tutor: GPT4 & you!")).toEqual(["cafe", "tutor", "gpt4", "you"]);
});

test("a bot is found by any prefix of any of its words", () => {
  const terms = searchTerms("Math Tutor", "Patient explanations", "Algebra and geometry");
  for (const query of ["ma", "mat", "math", "tut", "tutor", "patient", "expl", "geometry", "alg"]) {
    expect(terms).toContain(query);
  }
  expect(terms).not.toContain("t");
  expect(terms).not.toContain("history");
});

test("every word of a text is findable by its query words", () => {
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-z]{2,12}$/), { minLength: 1, maxLength: 10 }), (list) => {
      const terms = searchTerms(list.join(" "));
      for (const word of queryWords(list.join(" "))) expect(terms).toContain(word);
    }),
  );
});

test("query words come longest first, without repeats", () => {
  expect(queryWords("go tutor go math")).toEqual(["tutor", "math", "go"]);
});
