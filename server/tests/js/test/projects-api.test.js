// The Projects API driven by the official, unchanged `@sanity/client`: `client.datasets`
// (create, edit, list, delete) and `client.projects` (list, getById), with the exact fields
// the server answers. The backends come from the environment (see lib/server.js).

import assert from 'node:assert/strict'
import {after, before, describe, it} from 'node:test'

import {createClient} from '@sanity/client'

import {backendFromEnv, startServer} from '../lib/server.js'

const backend = backendFromEnv()
const isoTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

describe(`Projects API with @sanity/client (${backend.name})`, () => {
  let server
  let admin
  let projectAdmin
  let projectAdminToken

  const clientFor = (token) =>
    createClient({
      projectId: server.projectId,
      dataset: 'production',
      apiHost: server.url,
      useProjectHostname: false,
      useCdn: false,
      apiVersion: '2024-06-24',
      token,
    })

  before(async () => {
    server = await startServer({backend})
    admin = clientFor(server.token)
    // A project administrator token, made through the API with the global one.
    const res = await fetch(`${server.url}/v2021-06-07/projects/${server.projectId}/tokens`, {
      method: 'POST',
      headers: {authorization: `Bearer ${server.token}`, 'content-type': 'application/json'},
      body: JSON.stringify({label: 'js-admin', roleName: 'administrator'}),
    })
    assert.equal(res.status, 200)
    const token = await res.json()
    assert.deepEqual(Object.keys(token).sort(), ['id', 'key', 'label', 'projectUserId', 'roles'])
    projectAdminToken = token
    projectAdmin = clientFor(token.key)
  })

  after(async () => {
    if (server) await server.stop()
  })

  it('creates, edits, lists and deletes datasets', async () => {
    assert.deepEqual(await projectAdmin.datasets.create('staging', {aclMode: 'private'}), {
      datasetName: 'staging',
      aclMode: 'private',
    })
    assert.deepEqual(await projectAdmin.datasets.create('drafts-2'), {datasetName: 'drafts-2', aclMode: 'public'})
    assert.deepEqual(await projectAdmin.datasets.list(), [
      {name: 'drafts-2', aclMode: 'public'},
      {name: 'production', aclMode: 'public'},
      {name: 'staging', aclMode: 'private'},
    ])
    assert.deepEqual(await projectAdmin.datasets.edit('staging', {aclMode: 'public'}), {
      datasetName: 'staging',
      aclMode: 'public',
    })
    assert.deepEqual(await admin.datasets.list(), [
      {name: 'drafts-2', aclMode: 'public'},
      {name: 'production', aclMode: 'public'},
      {name: 'staging', aclMode: 'public'},
    ])
    assert.deepEqual(await projectAdmin.datasets.delete('drafts-2'), {deleted: true})
    assert.deepEqual(await projectAdmin.datasets.list(), [
      {name: 'production', aclMode: 'public'},
      {name: 'staging', aclMode: 'public'},
    ])
  })

  it('answers the JSON error shape with exact statuses', async () => {
    await assert.rejects(projectAdmin.datasets.create('staging'), (err) => {
      assert.equal(err.statusCode, 409)
      assert.equal(err.response.body.statusCode, 409)
      assert.equal(err.response.body.error, 'Conflict')
      assert.match(err.response.body.message, /"staging" already exists/)
      return true
    })
    await assert.rejects(projectAdmin.datasets.delete('drafts-2'), (err) => {
      assert.equal(err.statusCode, 404)
      assert.equal(err.response.body.error, 'Not Found')
      return true
    })
    await assert.rejects(projectAdmin.datasets.edit('staging', {aclMode: 'secret'}), (err) => {
      assert.equal(err.statusCode, 400)
      assert.match(err.response.body.message, /aclMode: expected public or private/)
      return true
    })
    // The client refuses invalid names itself; the server does too, for other clients.
    const res = await fetch(`${server.url}/v2024-06-24/datasets/Not_Valid`, {
      method: 'PUT',
      headers: {authorization: `Bearer ${projectAdminToken.key}`, 'x-sanity-project-id': server.projectId},
    })
    assert.equal(res.status, 400)
    assert.equal((await res.json()).error, 'Bad Request')
    // A viewer may list but not create.
    const viewerRes = await fetch(`${server.url}/v2021-06-07/projects/${server.projectId}/tokens`, {
      method: 'POST',
      headers: {authorization: `Bearer ${server.token}`, 'content-type': 'application/json'},
      body: JSON.stringify({label: 'js-viewer', roleName: 'viewer'}),
    })
    const viewer = clientFor((await viewerRes.json()).key)
    assert.equal((await viewer.datasets.list()).length, 2)
    await assert.rejects(viewer.datasets.create('nope'), (err) => {
      assert.equal(err.statusCode, 403)
      assert.equal(err.response.body.error, 'Forbidden')
      return true
    })
    const anonymous = clientFor(undefined)
    await assert.rejects(anonymous.datasets.list(), (err) => {
      assert.equal(err.statusCode, 401)
      return true
    })
  })

  it('lists projects and gets one by ID', async () => {
    const project = await projectAdmin.projects.getById(server.projectId)
    assert.match(project.createdAt, isoTime)
    const expected = {
      id: server.projectId,
      displayName: server.projectId,
      studioHost: null,
      organizationId: null,
      metadata: {},
      isBlocked: false,
      isDisabled: false,
      activityFeedEnabled: false,
      createdAt: project.createdAt,
      members: [
        {
          id: projectAdminToken.projectUserId,
          role: 'administrator',
          roles: [
            {
              name: 'administrator',
              title: 'Administrator',
              description: 'Manages the project: its settings, datasets, CORS origins, tokens and tags',
            },
          ],
        },
      ],
    }
    // The viewer token of the previous test is a member too.
    assert.equal(project.members.length, 2, JSON.stringify(project.members))
    const adminMember = project.members.find((m) => m.id === projectAdminToken.projectUserId)
    assert.deepEqual({...project, members: [adminMember]}, expected)
    const viewerMember = project.members.find((m) => m.id !== projectAdminToken.projectUserId)
    assert.match(viewerMember.id, /^robot-[0-9a-f]{16}$/)
    assert.deepEqual(viewerMember.roles, [
      {name: 'viewer', title: 'Viewer', description: 'Reads the assets of every dataset, public or private'},
    ])
    // A project token lists only its own project; the global administrator sees it among all.
    const own = await projectAdmin.projects.list()
    assert.deepEqual(own, [project])
    const all = await admin.projects.list({includeMembers: false})
    const mine = all.find((p) => p.id === server.projectId)
    const {members: _members, ...withoutMembers} = project
    assert.deepEqual(mine, withoutMembers)
    // Another project: 403 for a project token (whether it exists or not), 404 for the global
    // administrator when it does not exist.
    await assert.rejects(projectAdmin.projects.getById('no-such-project'), (err) => {
      assert.equal(err.statusCode, 403)
      assert.equal(err.response.body.error, 'Forbidden')
      return true
    })
    await assert.rejects(admin.projects.getById('no-such-project'), (err) => {
      assert.equal(err.statusCode, 404)
      assert.equal(err.response.body.message, 'Project "no-such-project" not found')
      return true
    })
  })
})
