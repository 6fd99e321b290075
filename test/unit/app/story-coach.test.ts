import { describe, expect, it } from 'vitest';
import { StoryCoach } from '../../../core/app/story-coach.js';
import { scripted } from '../../support/scripted-model.js';

const refined = {
  title: 'Lock an account after repeated failed logins',
  description: 'As a security officer I want lockouts so that passwords cannot be brute-forced.',
  acceptance_criteria: ['Given 5 failed logins When another fails Then the account is locked'],
};

describe('StoryCoach through the model', () => {
  it('asks for a rewrite that fixes the story’s findings, with a JSON schema, and returns the checked answer', async () => {
    const model = scripted(JSON.stringify(refined));
    const story = await new StoryCoach(model).refine({ title: 'Login', description: 'Make login fast', acceptanceCriteria: [] });
    expect(story).toEqual({ title: refined.title, description: refined.description, acceptanceCriteria: refined.acceptance_criteria });
    const [request] = model.asked;
    expect(request?.jsonSchema).toBeDefined();
    expect(request?.prompt).toContain('AC_MISSING');
    expect(request?.prompt).toContain('Make login fast');
  });

  it('drafts a story from a goal, and refuses an empty goal naming it', async () => {
    const model = scripted(JSON.stringify(refined));
    expect((await new StoryCoach(model).suggest('stop brute-force logins')).title).toBe(refined.title);
    expect(model.asked[0]?.prompt).toContain('stop brute-force logins');
    await expect(new StoryCoach(model).suggest('  ')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'goal' });
  });

  it('names the field when the model answers something unusable', async () => {
    const coach = new StoryCoach(scripted(JSON.stringify({ ...refined, title: '' })));
    await expect(coach.suggest('x')).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('field title') });
  });
});
