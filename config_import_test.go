package main

import (
	"io"
	"testing"
)

func TestConfigImportBatchSize(t *testing.T) {
	c := defaultConfig()
	if err := c.load(nil, env(nil), io.Discard); err != nil || c.ImportBatchSize != 500 {
		t.Fatalf("default: %d, %v", c.ImportBatchSize, err)
	}
	c = defaultConfig()
	if err := c.load([]string{"-import-batch-size", "50"}, env(map[string]string{"DIALDESK_IMPORT_BATCH_SIZE": "100"}), io.Discard); err != nil || c.ImportBatchSize != 50 {
		t.Errorf("flag over env: %d, %v", c.ImportBatchSize, err)
	}
	c = defaultConfig()
	if err := c.load(nil, env(map[string]string{"DIALDESK_IMPORT_BATCH_SIZE": "100"}), io.Discard); err != nil || c.ImportBatchSize != 100 {
		t.Errorf("env: %d, %v", c.ImportBatchSize, err)
	}
	for _, bad := range []string{"0", "501", "many"} {
		c = defaultConfig()
		if err := c.load(nil, env(map[string]string{"DIALDESK_IMPORT_BATCH_SIZE": bad}), io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
