/**
 * Policy: every GPU worker group can scale to zero, so an idle cluster does not keep paying for GPUs.
 *
 * A group counts as GPU when it carries the `convoy-role = gpu-worker` tag/label, or when its instance type
 * is a GPU type (AWS g*, p*, inf*, trn*; Azure Standard_N*; GCP a2/a3/a4/g2/g4 or an attached accelerator),
 * so a hand-written group is caught too. Its lower bound must be 0: the ASG's min_size, every profile of the
 * Azure autoscale setting that targets the scale set, the GCP autoscaler's min_replicas. A GPU group with
 * no autoscale bounds at all (Azure, GCP) fails as well.
 */
import { ROLE_TAG } from '../stacks/naming.ts';
import { PolicyAspect } from './policy-aspect.ts';
import { blocks, references } from './synth-index.ts';
import type { ResourceView, SynthIndex } from './synth-index.ts';

const AWS_GPU_TYPE = /^(g\d|p\d|inf\d|trn\d|dl\d)/i;
const AZURE_GPU_SIZE = /^Standard_N/i;
const GCP_GPU_MACHINE = /^(a2|a3|a4|g2|g4)-/i;

function taggedGpu(tags: unknown): boolean {
  if (typeof tags === 'object' && tags !== null && !Array.isArray(tags)) {
    return (tags as Record<string, unknown>)[ROLE_TAG] === 'gpu-worker';
  }
  return false;
}

function awsGroupIsGpu(group: ResourceView, index: SynthIndex): boolean {
  if (blocks(group.config.tag).some((tag) => tag.key === ROLE_TAG && tag.value === 'gpu-worker')) return true;
  const templates = references(group.config.launch_template).map((address) => index.get(address));
  return templates.some((template) => template !== undefined && AWS_GPU_TYPE.test(String(template.config.instance_type ?? '')));
}

function gcpTemplateIsGpu(template: ResourceView | undefined): boolean {
  if (!template) return false;
  return (
    taggedGpu(template.config.labels) ||
    GCP_GPU_MACHINE.test(String(template.config.machine_type ?? '')) ||
    blocks(template.config.guest_accelerator).length > 0
  );
}

function awsProblems(group: ResourceView, index: SynthIndex): string[] {
  if (!awsGroupIsGpu(group, index)) return [];
  return Number(group.config.min_size) === 0 ? [] : [`is a GPU group with min_size ${String(group.config.min_size)}; set gpuWorkers.min to 0`];
}

function azureProblems(scaleSet: ResourceView, index: SynthIndex): string[] {
  if (!taggedGpu(scaleSet.config.tags) && !AZURE_GPU_SIZE.test(String(scaleSet.config.sku ?? ''))) return [];
  const settings = index.referencing(scaleSet, 'azurerm_monitor_autoscale_setting');
  if (settings.length === 0) return ['is a GPU scale set with no azurerm_monitor_autoscale_setting; add one with minimum 0'];
  const minimums = settings.flatMap((setting) => blocks(setting.config.profile).flatMap((profile) => blocks(profile.capacity)));
  const nonZero = minimums.filter((capacity) => Number(capacity.minimum) !== 0);
  return nonZero.length === 0 ? [] : [`is a GPU scale set whose autoscale minimum is ${String(nonZero[0]?.minimum)}; set gpuWorkers.min to 0`];
}

function gcpProblems(manager: ResourceView, index: SynthIndex): string[] {
  const templates = blocks(manager.config.version).flatMap((version) => references(version.instance_template));
  if (!templates.some((address) => gcpTemplateIsGpu(index.get(address)))) return [];
  const autoscalers = index.referencing(manager, 'google_compute_autoscaler', 'google_compute_region_autoscaler');
  if (autoscalers.length === 0) return ['is a GPU instance group with no autoscaler; add one with min_replicas 0'];
  const minimums = autoscalers.flatMap((autoscaler) => blocks(autoscaler.config.autoscaling_policy).map((policy) => policy.min_replicas));
  const nonZero = minimums.filter((minimum) => Number(minimum) !== 0);
  return nonZero.length === 0 ? [] : [`is a GPU instance group whose autoscaler min_replicas is ${String(nonZero[0])}; set gpuWorkers.min to 0`];
}

export class GpuScaleToZero extends PolicyAspect {
  readonly rule = 'gpu-scale-to-zero';

  protected override checkResource(resource: ResourceView, index: SynthIndex): string[] {
    switch (resource.type) {
      case 'aws_autoscaling_group':
        return awsProblems(resource, index);
      case 'azurerm_linux_virtual_machine_scale_set':
      case 'azurerm_windows_virtual_machine_scale_set':
      case 'azurerm_orchestrated_virtual_machine_scale_set':
        return azureProblems(resource, index);
      case 'google_compute_instance_group_manager':
      case 'google_compute_region_instance_group_manager':
        return gcpProblems(resource, index);
      default:
        return [];
    }
  }
}
