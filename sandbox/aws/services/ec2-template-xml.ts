import type { LaunchTemplateData, LaunchTemplateRecord, LaunchTemplateVersionRecord } from '../types.js';
import { isoTime, type XmlWriter } from '../wire/xml.js';
import { writeMetadataOptions, writeTags } from './ec2-instance-xml.js';

export function writeTemplate(out: XmlWriter, t: LaunchTemplateRecord): void {
  out
    .leaf('launchTemplateId', t.launchTemplateId)
    .leaf('launchTemplateName', t.name)
    .leaf('createTime', isoTime(t.createTime))
    .leaf('createdBy', t.createdBy)
    .leaf('defaultVersionNumber', t.defaultVersion)
    .leaf('latestVersionNumber', t.latestVersion);
  writeTags(out, t.tags);
}

function writeTemplateData(out: XmlWriter, data: LaunchTemplateData): void {
  out.open('launchTemplateData').leaf('imageId', data.imageId).leaf('instanceType', data.instanceType);
  const options = data.metadataOptions;
  if (options && Object.values(options).some((v) => v !== undefined)) {
    writeMetadataOptions(out, 'metadataOptions', options, null);
  }
  out.close('launchTemplateData');
}

export function writeVersion(out: XmlWriter, t: LaunchTemplateRecord, v: LaunchTemplateVersionRecord): void {
  out
    .leaf('launchTemplateId', t.launchTemplateId)
    .leaf('launchTemplateName', t.name)
    .leaf('versionNumber', v.versionNumber)
    .leaf('versionDescription', v.description)
    .leaf('createTime', isoTime(v.createTime))
    .leaf('createdBy', t.createdBy)
    .leaf('defaultVersion', t.defaultVersion === v.versionNumber);
  writeTemplateData(out, v.data);
}
