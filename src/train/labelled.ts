/**
 * Labelled questions for fitting and validating the answerer: SQuAD 2.0 articles (every
 * question with its answer offsets) and question sets in the eval format (evidence strings,
 * facts, or `oos`). Articles become corpus documents exactly as the shared SQuAD corpus
 * files are written ("# Title", a blank line, paragraphs separated by blank lines), so answer
 * offsets map onto the document.
 */
import { z } from 'zod';
import type { SourceDoc } from '../types.js';

const squadSchema = z.object({
  data: z.array(
    z.object({
      title: z.string(),
      paragraphs: z.array(
        z.object({
          context: z.string(),
          qas: z.array(
            z.object({
              id: z.string(),
              question: z.string(),
              is_impossible: z.boolean().optional(),
              answers: z.array(z.object({ text: z.string(), answer_start: z.number().int() })),
            }),
          ),
        }),
      ),
    }),
  ),
});

export const evalCaseSchema = z.object({
  id: z.string(),
  question: z.string(),
  evidence: z.array(z.string()).optional(),
  facts: z.array(z.string()).optional(),
  oos: z.boolean().optional(),
  history: z.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() })).optional(),
});
export type EvalCase = z.infer<typeof evalCaseSchema>;

/** A question with what tells a right answer: answer spans in a document, or evidence strings. */
export interface LabelledQuestion {
  readonly id: string;
  readonly question: string;
  /** The article the question is about (its corpus document). */
  readonly article: string;
  /**
   * The validation fold: the article, for articles left out whole (their questions and every
   * corpus holding them); or a question set of one article (the Heihe sets), left out as a set
   * while the corpus stays, to measure new questions on a known corpus.
   */
  readonly fold: string;
  /** Unanswerable although on topic (SQuAD's adversarial questions), or off the corpus. */
  readonly impossible: boolean;
  /** Answer spans as [start, end) offsets in the article's document. */
  readonly spans: ReadonlyArray<readonly [number, number]>;
  /** Strings of which a right sentence contains one (question sets give these). */
  readonly evidence: readonly string[];
  /** What a right answer states (the scorer's facts; for SQuAD its shortest answer). */
  readonly facts: readonly string[];
}

export interface Article {
  readonly title: string;
  readonly doc: SourceDoc;
  readonly questions: readonly LabelledQuestion[];
}

export const slug = (title: string): string => title.toLowerCase().replace(/_/g, '-').replace(/[^a-z0-9-]+/g, '-');

/** The articles of a SQuAD 2.0 file, each as a corpus document with its questions. */
export function squadArticles(json: unknown): Article[] {
  const parsed = squadSchema.parse(json);
  return parsed.data.map((a) => {
    const heading = `# ${a.title.replace(/_/g, ' ')}\n\n`;
    let text = heading;
    const questions: LabelledQuestion[] = [];
    a.paragraphs.forEach((p, i) => {
      if (i > 0) text += '\n\n';
      const offset = text.length;
      text += p.context;
      for (const qa of p.qas) {
        const answers = qa.answers.filter((ans) => ans.text.trim());
        const shortest = [...answers].sort((x, y) => x.text.length - y.text.length)[0];
        questions.push({
          id: qa.id,
          question: qa.question,
          article: a.title,
          fold: a.title,
          impossible: qa.is_impossible === true || answers.length === 0,
          spans: answers.map((ans) => [offset + ans.answer_start, offset + ans.answer_start + ans.text.length] as const),
          evidence: [],
          facts: shortest ? [shortest.text] : [],
        });
      }
    });
    return { title: a.title, doc: { path: `${slug(a.title)}.md`, text: `${text}\n` }, questions };
  });
}

/** Questions of an eval-format set, all about one corpus (`article`), validated as fold `fold`. */
export function questionSet(lines: string, article: string, fold: string): LabelledQuestion[] {
  return lines
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => evalCaseSchema.parse(JSON.parse(l)))
    .filter((c) => !c.history)
    .map((c) => ({ id: c.id, question: c.question, article, fold, impossible: c.oos === true, spans: [], evidence: c.evidence ?? [], facts: c.facts ?? [] }));
}
