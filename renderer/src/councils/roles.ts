export const ROLES = ['DEV', 'QA', 'ARCHITECT', 'DEVOPS', 'DATA'] as const;
export type Role = (typeof ROLES)[number];
