import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import type { AppInfo, ProjectSummary } from '../../../src-main/service/app-types';
import { createClient, errorText, type EqClient } from '../api/client';

/** App-wide state: the service client, host info and the project list. */
export const useAppStore = defineStore('app', {
  state: () => ({
    client: markRaw(createClient()) as EqClient,
    info: null as AppInfo | null,
    infoError: null as string | null,
    projects: [] as ProjectSummary[],
    projectsLoading: false,
    projectsError: null as string | null,
  }),
  actions: {
    async loadInfo(): Promise<void> {
      try {
        this.info = await this.client.call('app.info', {});
        this.infoError = null;
      } catch (e) {
        this.infoError = errorText(e);
      }
    },
    async loadProjects(): Promise<void> {
      this.projectsLoading = true;
      try {
        this.projects = await this.client.call('projects.list', {});
        this.projectsError = null;
      } catch (e) {
        this.projectsError = errorText(e);
      } finally {
        this.projectsLoading = false;
      }
    },
  },
});
