import { defineStore } from 'pinia';
import { markRaw } from 'vue';
import type { AppInfo, EngineBuildInfo, EngineStatus, ProjectSummary } from '../../../src-main/contract/app-types';
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
    engine: null as EngineStatus | null,
    engineError: null as string | null,
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
    async loadEngine(): Promise<void> {
      try {
        this.engine = await this.client.call('engine.status', {});
        this.engineError = null;
      } catch (e) {
        this.engineError = errorText(e);
      }
    },
    async buildEngine(): Promise<void> {
      try {
        this.engine = await this.client.call('engine.build', {});
        this.engineError = null;
      } catch (e) {
        this.engineError = errorText(e);
      }
    },
    /** An `engine.build` event: its state now, and the whole status again once it has ended. */
    onEngineBuild(build: EngineBuildInfo): void {
      if (this.engine) this.engine = { ...this.engine, build };
      if (build.state === 'done' || build.state === 'failed') void this.loadEngine();
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
